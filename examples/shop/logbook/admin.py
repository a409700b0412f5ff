from django.contrib import admin

from .models import CatchPhoto, Logbook


class CatchPhotoInline(admin.TabularInline):
    model = CatchPhoto
    extra = 0


@admin.register(Logbook)
class LogbookAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "water", "created_at")  # ok: DJP109
    list_select_related = ("author",)
    inlines = [CatchPhotoInline]
