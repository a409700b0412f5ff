"""
The lab's endpoint kinds. Each view's structure (what it does in which order) is what the
scenario generator encodes; the numbers come from single-user measurements only.
"""
import os
import time

import redis
from django.db import transaction
from django.http import JsonResponse

from .models import Product, Stock

CPU_LOOP = int(os.environ.get("LAB_CPU_LOOP", "120000"))
SLEEP_S = float(os.environ.get("LAB_SLEEP_MS", "30")) / 1000
LOCK_HOLD_S = float(os.environ.get("LAB_LOCK_HOLD_MS", "8")) / 1000
CACHE_TTL_S = 1
_redis = redis.Redis(host="127.0.0.1", port=int(os.environ.get("LAB_REDIS_PORT", "63799")))


def cpu(request):
    """Pure Python CPU: never yields (a CPU-bound greenlet under gevent)."""
    acc = 0
    for i in range(CPU_LOOP):
        acc += i * i % 7
    return JsonResponse({"acc": acc})


def n1(request):
    """The N+1 list: 1 query for 50 products, then 1 per product for its shelf."""
    items = [{"name": p.name, "shelf": p.shelf.name} for p in Product.objects.order_by("id")[:50]]
    return JsonResponse({"items": items})


def sr(request):
    """The same list with select_related: one query."""
    items = [{"name": p.name, "shelf": p.shelf.name} for p in Product.objects.select_related("shelf").order_by("id")[:50]]
    return JsonResponse({"items": items})


def sleep(request):
    """A wait (an external call): time.sleep, patched to yield under gevent."""
    time.sleep(SLEEP_S)
    return JsonResponse({"slept": SLEEP_S})


def lock(request):
    """select_for_update on one row, a short wait while holding it, an UPDATE and the commit."""
    with transaction.atomic():
        s = Stock.objects.select_for_update().get(pk=1)
        time.sleep(LOCK_HOLD_S)
        s.units += 1
        s.save(update_fields=["units"])
    return JsonResponse({"units": s.units})


def cache(request):
    """A Redis get; on a miss (once a second) the select_related query and a set with a 1 s TTL."""
    v = _redis.get("lab:list")
    if v is None:
        n = len(list(Product.objects.select_related("shelf").order_by("id")[:50]))
        _redis.set("lab:list", str(n), ex=CACHE_TTL_S)
        v = b"miss"
    return JsonResponse({"v": v.decode()})
