"""URL configuration of the reports service (waitress, see serve_waitress.py)."""
from django.urls import include, path

urlpatterns = [
    path("reports/", include("reports.urls")),
]
