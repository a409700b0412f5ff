from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("logbooks/<int:logbook_id>/species/", views.identify_catches, name="identify"),
    path("logbooks/<int:logbook_id>/species/naive-async/", views.identify_catches_naive, name="identify-naive"),
    path("logbooks/<int:logbook_id>/species/async/", views.identify_catches_async, name="identify-async"),
]
