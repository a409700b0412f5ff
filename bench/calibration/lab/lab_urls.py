from django.urls import path

from labapp import views

urlpatterns = [path("%s/" % n, getattr(views, n)) for n in ("cpu", "n1", "sr", "sleep", "lock", "cache")]
