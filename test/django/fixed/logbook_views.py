"""Hand-fixed counterparts of examples/shop/logbook/views.py: read the prefetch cache only."""
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.http import JsonResponse

from logbook.models import Logbook
from logbook.views import LOGBOOK_LIKES_CACHE_KEY


def _feed():
    feed = []
    for logbook in Logbook.objects.all().prefetch_related("likes"):
        likers = logbook.likes.all()
        feed.append(
            {
                "id": logbook.pk,
                "title": logbook.title,
                "has_likes": len(likers) > 0,
                "liked_by": [user.username for user in likers],
            }
        )
    return feed


def logbook_feed(request):
    return JsonResponse({"logbooks": _feed()})


async def logbook_feed_async(request):
    return JsonResponse({"logbooks": await sync_to_async(_feed)()})


def logbook_feed_cached(request):
    feed = cache.get(LOGBOOK_LIKES_CACHE_KEY)
    if feed is None:
        feed = _feed()
        cache.set(LOGBOOK_LIKES_CACHE_KEY, feed, 300)
    return JsonResponse({"logbooks": feed})
