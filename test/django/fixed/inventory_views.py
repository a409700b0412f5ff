"""Hand-fixed counterpart of examples/shop/inventory/views.py."""
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from inventory.models import StockReservation


@login_required
def my_reservations(request):
    items = []
    reservations = StockReservation.objects.filter(
        user=request.user, status=StockReservation.PENDING
    ).select_related("product")
    for reservation in reservations:
        product = reservation.product
        items.append(
            {
                "id": reservation.pk,
                "sku": product.sku,
                "name": product.name,
                "quantity": reservation.quantity,
                "expires_at": reservation.expires_at.isoformat(),
            }
        )
    return JsonResponse({"reservations": items})
