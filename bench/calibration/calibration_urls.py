"""The shop's URLconf plus the hand-fixed (select_related) product list of test/django/fixed."""
from django.urls import include, path

from fixed import catalog_views as fixed_views

urlpatterns = [
    path("calibration/products-select-related/", fixed_views.product_list, name="calibration-product-list"),
    path("", include("shop.urls")),
]
