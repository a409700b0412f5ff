"""
Async experiments for the reservation API (not wired to production traffic).

NOTE: uses the async ORM API of Django >= 4.1 (``aupdate``, ``acreate``); the
Django 3.2 query count harness never calls these views.
"""
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.utils import timezone

from catalog.models import ProductStock

from .models import StockReservation


async def quick_reserve(request, product_id):
    """One-click reservation from the mobile app."""
    async with transaction.atomic():  # expect: DJP409
        taken = await ProductStock.objects.filter(product_id=product_id, available__gte=1).aupdate(
            available=F("available") - 1, reserved=F("reserved") + 1
        )
        if not taken:
            return JsonResponse({"error": "sold out"}, status=409)
        reservation = await StockReservation.objects.acreate(
            product_id=product_id,
            user_id=int(request.headers["X-Customer-Id"]),
            quantity=1,
            expires_at=timezone.now() + timedelta(minutes=15),
        )
    return JsonResponse({"reservation": reservation.pk})


def _expire_reservations():
    """Release every pending reservation past its expiry time."""
    with transaction.atomic():
        expired = StockReservation.objects.filter(
            status=StockReservation.PENDING, expires_at__lt=timezone.now()
        )
        return expired.update(status=StockReservation.RELEASED)


async def expire_reservations(request):  # expect: DJP406
    """Cron hook: release expired reservations."""
    released = await sync_to_async(_expire_reservations)()
    return JsonResponse({"released": released})
