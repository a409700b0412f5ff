from django.urls import path

from . import views

app_name = "logbook"

urlpatterns = [
    path("", views.logbook_feed, name="feed"),
    path("async/", views.logbook_feed_async, name="feed-async"),
    path("cached/", views.logbook_feed_cached, name="feed-cached"),
    path("like-counts/", views.logbook_like_counts, name="like-counts"),
    path("<int:pk>/like/", views.like_logbook, name="like"),
    path("<int:pk>/unlike/", views.unlike_logbook, name="unlike"),
]
