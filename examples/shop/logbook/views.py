"""Community logbook: feed of catches with their likes."""
from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from .models import Logbook

LOGBOOK_LIKES_CACHE_KEY = "logbook_likes"


def logbook_feed(request):
    """Feed of every logbook entry with who liked it (field report: "the feed got slow")."""
    logbooks = Logbook.objects.all().prefetch_related("likes")
    feed = [
        {
            "id": logbook.pk,
            "title": logbook.title,
            "author_id": logbook.author_id,  # ok: DJP101
            "has_likes": logbook.likes.exists(),  # ok: DJP103
            "liked_by": list(logbook.likes.values_list("username", flat=True)),  # expect: DJP103
        }
        for logbook in logbooks
    ]
    return JsonResponse({"logbooks": feed})


async def logbook_feed_async(request):  # expect: DJP406
    """The same feed after the "make it async" attempt: all the work still runs in one thread hop."""
    feed = await sync_to_async(
        lambda: [
            {
                "id": logbook.pk,
                "title": logbook.title,
                "has_likes": logbook.likes.exists(),  # ok: DJP103
                "liked_by": list(logbook.likes.values_list("username", flat=True)),  # expect: DJP103
            }
            for logbook in Logbook.objects.all().prefetch_related("likes")  # ok: DJP302
        ]
    )()
    return JsonResponse({"logbooks": feed})


def logbook_feed_cached(request):
    """The same feed behind the cache (the second attempt); invalidated by like/unlike."""
    feed = cache.get(LOGBOOK_LIKES_CACHE_KEY)
    if feed is None:
        feed = [
            {
                "id": logbook.pk,
                "title": logbook.title,
                "has_likes": logbook.likes.exists(),  # ok: DJP103
                "liked_by": list(logbook.likes.values_list("username", flat=True)),  # expect: DJP103
            }
            for logbook in Logbook.objects.all().prefetch_related("likes")
        ]
        cache.set(LOGBOOK_LIKES_CACHE_KEY, feed, 300)
    return JsonResponse({"logbooks": feed})


def logbook_like_counts(request):
    """Like counters only: uses what the prefetch already loaded."""
    logbooks = Logbook.objects.select_related("author").prefetch_related("likes")
    data = []
    for logbook in logbooks:
        likers = logbook.likes.all()  # ok: DJP103
        data.append(
            {
                "id": logbook.pk,
                "author": logbook.author.username,  # ok: DJP101
                "likes": len(likers),  # ok: DJP104
                "likers": [user.username for user in likers],  # ok: DJP102
            }
        )
    return JsonResponse({"logbooks": data})


@login_required
@require_POST
def like_logbook(request, pk):
    logbook = get_object_or_404(Logbook, pk=pk)
    logbook.likes.add(request.user)
    cache.delete(LOGBOOK_LIKES_CACHE_KEY)
    return JsonResponse({"liked": True})


@login_required
@require_POST
def unlike_logbook(request, pk):
    logbook = get_object_or_404(Logbook, pk=pk)
    logbook.likes.remove(request.user)
    cache.delete(LOGBOOK_LIKES_CACHE_KEY)
    return JsonResponse({"liked": False})
