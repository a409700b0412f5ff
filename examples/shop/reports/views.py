"""Sales and stock reports (served by the separate waitress service)."""
from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse

from catalog.models import Review
from inventory.models import StockTransaction

from .analytics import bootstrap_ci, percentile, pivot, rolling_mean


@staff_member_required
def stock_movement_report(request):
    """Daily stock movement per product with rolling means; seconds of CPU per call."""
    rows = [
        {"day": created_at.date().isoformat(), "product": product_id, "kind": kind, "quantity": quantity}  # ok: DJP101
        for product_id, kind, quantity, created_at in StockTransaction.objects.values_list(
            "product_id", "kind", "quantity", "created_at"
        )
    ]
    by_product = pivot(rows, "product", "day", "quantity")
    report = {}
    for product_id, days in by_product.items():
        series = [days[day] for day in sorted(days)]
        report[product_id] = {
            "rolling_7": rolling_mean(series, 7)[-1] if series else 0,
            "p95": percentile(series, 0.95),
        }
    return JsonResponse({"products": report})


@staff_member_required
def rating_confidence_report(request):
    """Bootstrap confidence interval of each product's mean rating."""
    ratings = {}
    for row in Review.objects.values("product_id", "rating"):
        ratings.setdefault(row["product_id"], []).append(float(row["rating"]))  # ok: DJP101
    report = {}
    for product_id, values in ratings.items():
        low, high = bootstrap_ci(values, rounds=5000)
        report[product_id] = {"n": len(values), "low": low, "high": high}
    return JsonResponse({"products": report})
