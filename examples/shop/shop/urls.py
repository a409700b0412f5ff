"""URL configuration of the storefront (gunicorn, see gunicorn.conf.py)."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("catalog.urls")),
    path("inventory/", include("inventory.urls")),
    path("logbook/", include("logbook.urls")),
    path("integrations/", include("integrations.urls")),
]
