from django.urls import path

from . import async_views, views

app_name = "inventory"

urlpatterns = [
    path("reserve/<int:product_id>/", views.reserve_stock, name="reserve"),
    path("reserve/<int:product_id>/notify/", views.reserve_and_notify_warehouse, name="reserve-notify"),
    path("reserve/<int:product_id>/quick/", async_views.quick_reserve, name="quick-reserve"),
    path("reservations/", views.my_reservations, name="my-reservations"),
    path("reservations/expire/", async_views.expire_reservations, name="expire"),
    path("reservations/<int:pk>/", views.reservation_status, name="reservation-status"),
    path("reservations/<int:pk>/release/", views.release_reservation, name="release"),
    path("reservations/<int:pk>/confirm/", views.confirm_reservation, name="confirm"),
    path("ledger/<int:product_id>/", views.stock_ledger, name="ledger"),
]
