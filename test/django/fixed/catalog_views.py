"""Hand-fixed counterparts of examples/shop/catalog/views.py (constant query counts)."""
from decimal import Decimal

from django.db.models import Count, F, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from catalog.models import Category, Product
from catalog.views import ProductFeedView as _ShopProductFeedView


def product_list(request):
    rows = []
    for p in Product.objects.select_related("category", "stock"):
        rows.append(
            {
                "id": p.pk,
                "sku": p.sku,
                "name": p.name,
                "category": p.category.name,
                "available": p.stock.available,
            }
        )
    return JsonResponse({"products": rows})


class ProductFeedView(_ShopProductFeedView):
    def get_queryset(self):
        products = list(
            Product.objects.filter(is_active=True).select_related("category", "stock").order_by("sku")
        )
        for product in products:
            product.category_name = product.category.name
            product.in_stock = product.stock.available > 0
        return products


def category_overview(request):
    data = [
        {"slug": c.slug, "name": c.name, "products": c.product_count}
        for c in Category.objects.annotate(product_count=Count("products"))
    ]
    return JsonResponse({"categories": data})


def review_digest(request):
    digest = []
    for product in Product.objects.filter(is_active=True).prefetch_related("reviews"):
        ratings = [review.rating for review in product.reviews.all()]
        average = sum(ratings) / len(ratings) if ratings else None
        digest.append({"sku": product.sku, "average": average, "reviews": len(ratings)})
    return JsonResponse({"digest": digest})


def product_teasers(request):
    teasers = [
        {"sku": p.sku, "name": p.name, "blurb": p.description[:80]}
        for p in Product.objects.only("id", "sku", "name", "description")
    ]
    return JsonResponse({"teasers": teasers})


@require_POST
def apply_category_discount(request, slug):
    category = get_object_or_404(Category, slug=slug)
    percent = Decimal(request.POST.get("percent", "10"))
    factor = (Decimal(100) - percent) / Decimal(100)
    changed = Product.objects.filter(Q(category=category) | Q(category__parent=category)).update(
        price=F("price") * factor
    )
    return JsonResponse({"changed": changed})


def catalog_page(request):
    from django.shortcuts import render

    products = Product.objects.filter(is_active=True).order_by("name").select_related("category").prefetch_related("reviews")
    return render(request, "catalog/catalog_page.html", {"products": products})


def shelf_labels(request):
    labels = [p.shelf_label for p in Product.objects.filter(is_active=True).select_related("category").order_by("sku")]
    return JsonResponse({"labels": labels})
