from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("stock-movement/", views.stock_movement_report, name="stock-movement"),
    path("rating-confidence/", views.rating_confidence_report, name="rating-confidence"),
]
