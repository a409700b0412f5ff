"""Stock reservation API used by the checkout."""
from datetime import timedelta

import requests
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog.models import Product, ProductStock

from .models import StockReservation, StockTransaction

RESERVATION_TTL = timedelta(minutes=15)


def _stock_cache_keys(product_id):
    return ["product:%d:stock" % product_id, "catalog:listing"]


@login_required
@require_POST
def reserve_stock(request, product_id):
    """Reserve ``quantity`` units of a product for the current basket."""
    quantity = int(request.POST.get("quantity", "1"))
    with transaction.atomic():
        stock = ProductStock.objects.select_for_update().get(product_id=product_id)  # expect: DJP203
        if stock.available < quantity:
            return JsonResponse({"error": "not enough stock", "available": stock.available}, status=409)
        reservation = StockReservation.objects.create(
            product_id=product_id,
            user=request.user,
            quantity=quantity,
            expires_at=timezone.now() + RESERVATION_TTL,
        )
        stock.available -= quantity
        stock.reserved += quantity
        stock.save(update_fields=["available", "reserved", "updated_at"])
        StockTransaction.objects.create(
            product_id=product_id,
            reservation=reservation,
            kind=StockTransaction.RESERVE,
            quantity=-quantity,
        )
        cache.delete_many(_stock_cache_keys(product_id))  # expect: DJP202
    return JsonResponse({"reservation": reservation.pk, "available": stock.available}, status=201)


@login_required
@require_POST
def reserve_and_notify_warehouse(request, product_id):
    """Like reserve_stock, but the warehouse must acknowledge the reservation first."""
    quantity = int(request.POST.get("quantity", "1"))
    with transaction.atomic():
        stock = ProductStock.objects.select_for_update().get(product_id=product_id)  # expect: DJP203
        if stock.available < quantity:
            return JsonResponse({"error": "not enough stock"}, status=409)
        reservation = StockReservation.objects.create(
            product_id=product_id,
            user=request.user,
            quantity=quantity,
            expires_at=timezone.now() + RESERVATION_TTL,
        )
        ack = requests.post(  # expect: DJP202
            settings.WAREHOUSE_WEBHOOK_URL,
            json={"reservation": reservation.pk, "product": product_id, "quantity": quantity},
            timeout=5,
        )
        ack.raise_for_status()
        stock.available -= quantity
        stock.reserved += quantity
        stock.save(update_fields=["available", "reserved", "updated_at"])
    return JsonResponse({"reservation": reservation.pk}, status=201)


@login_required
def reservation_status(request, pk):
    """Status of one of the current user's reservations."""
    # Lock it so the expiry job cannot release it while we answer.
    reservation = StockReservation.objects.select_for_update().get(pk=pk, user=request.user)  # expect: DJP201
    return JsonResponse({"id": reservation.pk, "status": reservation.status})


@login_required
@require_POST
def release_reservation(request, pk):
    """Give a reservation back to the shelf."""
    with transaction.atomic():
        reservation = StockReservation.objects.select_related("product").select_for_update().get(pk=pk, user=request.user)  # expect: DJP204
        if reservation.status != StockReservation.PENDING:
            return JsonResponse({"error": "already %s" % reservation.status}, status=409)
        ProductStock.objects.filter(product_id=reservation.product_id).update(
            available=F("available") + reservation.quantity,
            reserved=F("reserved") - reservation.quantity,
        )
        reservation.status = StockReservation.RELEASED
        reservation.save(update_fields=["status"])
        StockTransaction.objects.create(
            product_id=reservation.product_id,
            reservation=reservation,
            kind=StockTransaction.RELEASE,
            quantity=reservation.quantity,
        )
    return JsonResponse({"released": reservation.pk, "product": reservation.product.name})


@login_required
@require_POST
def confirm_reservation(request, pk):
    """Turn a pending reservation into a sale; locks only the reservation row."""
    with transaction.atomic():
        reservation = (
            StockReservation.objects.select_related("product")
            .select_for_update(of=("self",))  # ok: DJP204
            .get(pk=pk, user=request.user)
        )
        reservation.status = StockReservation.CONFIRMED
        reservation.save(update_fields=["status"])
    return JsonResponse({"confirmed": reservation.pk, "product": reservation.product.name})


@login_required
def my_reservations(request):
    """The current user's pending reservations, for the basket sidebar."""
    items = []
    for reservation in StockReservation.objects.filter(user=request.user, status=StockReservation.PENDING):
        product = Product.objects.get(pk=reservation.product_id)  # expect: DJP105
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


def stock_ledger(request, product_id):
    """Ledger of one product, built from plain rows."""
    product = get_object_or_404(Product, pk=product_id)
    rows = StockTransaction.objects.filter(product=product).values_list("kind", "quantity", "reservation_id")
    balance = 0
    lines = []
    for kind, quantity, reservation_id in rows:
        balance += quantity
        lines.append({"kind": kind, "quantity": quantity, "reservation": reservation_id, "balance": balance})  # ok: DJP101
    return JsonResponse({"sku": product.sku, "ledger": lines})
