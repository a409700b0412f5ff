"""URLconf of the framework_counts.py harness: the admin's changelist templates reverse admin URLs."""
from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
