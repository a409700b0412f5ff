"""Community fishing logbook: members post their catches, others like them."""
from django.conf import settings
from django.contrib.auth.models import User
from django.db import models


class Logbook(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="logbooks"
    )
    title = models.CharField(max_length=200)
    water = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    likes = models.ManyToManyField(User, related_name="liked_logbooks", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class CatchPhoto(models.Model):
    logbook = models.ForeignKey(Logbook, on_delete=models.CASCADE, related_name="photos")
    image_url = models.URLField()
    species = models.CharField(max_length=120, blank=True)
    confidence = models.FloatField(null=True, blank=True)
