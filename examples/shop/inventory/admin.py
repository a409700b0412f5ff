from django.contrib import admin

from .models import StockReservation, StockTransaction


@admin.register(StockReservation)
class StockReservationAdmin(admin.ModelAdmin):
    list_display = ("id", "product", "user", "quantity", "status", "expires_at")  # ok: DJP109
    list_select_related = ("product__category", "user")
    list_filter = ("status",)


@admin.register(StockTransaction)
class StockTransactionAdmin(admin.ModelAdmin):
    list_display = ("id", "product_id", "kind", "quantity", "created_at")  # ok: DJP109
