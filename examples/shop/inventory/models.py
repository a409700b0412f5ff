"""Stock reservations taken at checkout and the stock ledger."""
from django.conf import settings
from django.db import models

from catalog.models import Product


class StockReservation(models.Model):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    RELEASED = "released"
    STATUS_CHOICES = [(PENDING, "Pending"), (CONFIRMED, "Confirmed"), (RELEASED, "Released")]

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reservations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reservations"
    )
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self):
        return "%d x %s for %s" % (self.quantity, self.product, self.user)


class StockTransaction(models.Model):
    """Append-only ledger of every stock movement."""

    RESERVE = "reserve"
    RELEASE = "release"
    RECEIVE = "receive"
    KIND_CHOICES = [(RESERVE, "Reserve"), (RELEASE, "Release"), (RECEIVE, "Receive")]

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="transactions")
    reservation = models.ForeignKey(
        StockReservation, null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    quantity = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
