"""
Async storefront views, written during the "go async" sprint.

NOTE: several views here use the async ORM API (``aget``, ``acount``,
``async for``) that only exists from Django 4.1 on. The real-Django query
count harness (test/django/query_counts.py, Django 3.2) only imports this
module and never calls those views; it does run ``store_dashboard``, which
sticks to Django 3.2 APIs.
"""
import asyncio
import json
import time

import requests
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import timezone

from .models import Category, Product, Review
from .pricing import quote_cart


def related_products(product):
    """Up to four other products of the same shelf."""
    return list(Product.objects.filter(category_id=product.category_id).exclude(pk=product.pk)[:4])


def stock_badge(available):
    """Pure formatting helper, safe to call anywhere."""
    return "sold out" if available == 0 else ("last items" if available < 5 else "in stock")


async def product_availability(request, product_id):
    """Live availability for the product page (polled by the front end every few seconds)."""
    product = Product.objects.get(pk=product_id)  # expect: DJP302
    available = cache.get("product:%d:stock" % product_id)  # expect: DJP304
    if available is None:
        # The warehouse API rate-limits bursts; give it a moment.
        time.sleep(0.2)  # expect: DJP301
        response = requests.get("%s/stock/%s" % (settings.WAREHOUSE_API_URL, product.sku), timeout=3)  # expect: DJP301
        available = response.json()["available"]
        cache.set("product:%d:stock" % product_id, available, 30)  # expect: DJP304
    sync_to_async(Product.objects.filter(pk=product_id).update)(last_viewed_at=timezone.now())  # expect: DJP405
    return JsonResponse(
        {
            "sku": product.sku,
            "available": available,
            "badge": stock_badge(available),  # ok: DJP305
            "viewer": request.user.username,  # expect: DJP303
        }
    )


async def product_detail(request, product_id):
    """Product page data.  Django >= 4.1 only (aget)."""
    product = await Product.objects.aget(pk=product_id)  # ok: DJP302
    related = related_products(product)  # expect: DJP305
    category = product.category  # expect: DJP303
    return JsonResponse(
        {
            "name": product.name,
            "category_id": product.category_id,  # ok: DJP303
            "category": category.name,
            "related": [p.sku for p in related],
        }
    )


async def all_skus(request):
    """Every SKU, for the search index warm-up job."""
    skus = []
    for p in Product.objects.all():  # expect: DJP302
        skus.append(p.sku)
    return JsonResponse({"skus": skus})


async def cart_quote(request):
    """Quote a cart: prices come from the (async) pricing service."""
    cart = json.loads(request.body or b"{}").get("items", [])
    quote = async_to_sync(quote_cart)(cart)  # expect: DJP404
    return JsonResponse(quote)


async def cart_lines(request):
    """Cart lines with product names; one thread hop per line."""
    cart = json.loads(request.body or b"{}").get("items", [])
    lines = []
    for item in cart:
        product = await sync_to_async(Product.objects.get)(pk=item["product_id"])  # expect: DJP403
        lines.append({"sku": product.sku, "name": product.name, "quantity": item["quantity"]})
    return JsonResponse({"lines": lines})


async def category_products(request, slug):
    """Product names of one shelf."""
    products = await sync_to_async(Product.objects.filter)(category__slug=slug)  # expect: DJP401
    return JsonResponse({"products": [p.name for p in products]})  # expect: DJP302


@sync_to_async
def get_top_rated():
    return Product.objects.filter(reviews__rating__gte=4).distinct()  # expect: DJP401


async def top_rated(request):
    """Products with at least one good review."""
    products = await get_top_rated()
    names = [product.name for product in products]  # expect: DJP302
    return JsonResponse({"names": names})


async def store_dashboard(request):
    """Counters for the back-office dashboard (runs on Django 3.2 too)."""
    products, categories, reviews = await asyncio.gather(  # expect: DJP407
        sync_to_async(Product.objects.count)(),
        sync_to_async(Category.objects.count)(),
        sync_to_async(Review.objects.count)(),
    )
    return JsonResponse({"products": products, "categories": categories, "reviews": reviews})


def _price_sanity_check():
    """Flag products whose price is zero; runs ORM queries."""
    return list(Product.objects.filter(price__lte=0).values_list("sku", flat=True))


async def price_sanity(request):
    """Staff check for broken prices, pushed off to a worker thread."""
    broken = await sync_to_async(_price_sanity_check, thread_sensitive=False)()  # expect: DJP402
    return JsonResponse({"broken": broken})


async def catalogue_stats(request):
    """Catalogue size and shelf names.  Django >= 4.1 only (acount, async for)."""
    active = Product.objects.filter(is_active=True)  # ok: DJP302
    count = await active.acount()  # ok: DJP302
    names = [c.name async for c in Category.objects.order_by("name")]  # ok: DJP302
    top_level = await sync_to_async(lambda: Category.objects.filter(parent__isnull=True).count())()  # ok: DJP302
    by_name = sorted(names, key=lambda name: name.lower())  # ok: DJP302
    await asyncio.sleep(0)  # ok: DJP301
    return JsonResponse({"active": count, "top_level": top_level, "shelves": by_name})
