"""
Real-Django query counts of the example project's N+1 views.

Run with the system Django (3.2 on Debian)::

    /usr/bin/python3 test/django/query_counts.py --sizes 3,7

For every size N the database (in-memory SQLite, schema from the shop's
migrations) is rebuilt and seeded deterministically:

* users: one superuser ``shopper`` (the requesting user) and N anglers
  ``angler00`` .. ``angler{N-1}``;
* categories: one root shelf ``all-tackle`` (no parent) and N leaf shelves
  ``shelf-00`` .. each with ``parent = all-tackle``;
* products: N products, product i in leaf shelf i, each with its own
  ProductStock row (available = 10 + i) and one Review (by angler i);
* reservations: N pending StockReservations of ``shopper``, one per product,
  each with one StockTransaction;
* logbooks: N logbooks, logbook i written by angler i, liked by anglers i and
  (i + 1) mod N, each with two CatchPhotos.

Each view is called through RequestFactory (``request.user = shopper``)
inside CaptureQueriesContext; the cache is cleared before every call, so a
cached view reports its cold-cache count.  Async views are driven with
async_to_sync, which runs their thread-sensitive sync_to_async parts on the
main thread (the thread that owns the in-memory database connection).

Output (stdout, JSON)::

    {"django": "3.2.25", "sizes": [3, 7],
     "views":  {"<dotted.view>": {"3": q, "7": q}, ...},      # N+1 views of the shop
     "fixed":  {"<dotted.fixed.view>": {"3": q, "7": q}, ...}, # hand fixes, test/django/fixed/
     "fixed_for": {"<dotted.view>": "<dotted.fixed.view>"},
     "clean":  {"<dotted.view>": {...}},                      # shop views that must stay constant
     "warm_cache": {"<dotted.view>": {...}},                  # cached view, second call
     "fits":   {"<dotted>": {"base": b, "per_row": k, "linear": true}},
     "prefetch_cache": {...},                                  # which manager calls hit the DB
     "known_related": {"3": 1, ...},                           # shelf.products.filter(): p.category costs nothing
     "problems": []}

The exit status is 1 when a shop N+1 view is not 1 + kN-shaped with k >= 1,
when a fixed or clean view is not constant in N, or when a call fails.
"""
import argparse
import json
import os
import sys
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness_settings import configure  # noqa: E402

configure()

import django  # noqa: E402
from asgiref.sync import async_to_sync  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from realdb import finish as _finish, request_as as _request, reset_database  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import Category, Product, ProductStock, Review  # noqa: E402
from inventory.models import StockReservation, StockTransaction  # noqa: E402
from logbook.models import CatchPhoto, Logbook  # noqa: E402

EPOCH = datetime(2024, 5, 1, 6, 0, tzinfo=dt_timezone.utc)


# --------------------------------------------------------------------------
# database


def seed(n):
    """Deterministic rows for size n (see the module docstring)."""
    shopper = User.objects.create_superuser("shopper", "shopper@example.com", "pw")
    anglers = [User.objects.create_user("angler%02d" % i, "angler%02d@example.com" % i, "pw") for i in range(n)]
    root = Category.objects.create(name="All tackle", slug="all-tackle")
    for i in range(n):
        shelf = Category.objects.create(name="Shelf %02d" % i, slug="shelf-%02d" % i, parent=root)
        product = Product.objects.create(
            category=shelf,
            sku="SKU-%04d" % i,
            name="Product %02d" % i,
            description="Description of product %02d. " % i * 4,
            price=Decimal("9.90") + i,
        )
        ProductStock.objects.create(product=product, available=10 + i, reserved=1)
        Review.objects.create(product=product, author=anglers[i], rating=1 + i % 5, body="Review %d" % i)
        reservation = StockReservation.objects.create(
            product=product, user=shopper, quantity=1, expires_at=EPOCH + timedelta(minutes=15 + i)
        )
        StockTransaction.objects.create(
            product=product, reservation=reservation, kind=StockTransaction.RESERVE, quantity=-1
        )
    for i in range(n):
        logbook = Logbook.objects.create(author=anglers[i], title="Catch %02d" % i, water="Lake %d" % i)
        logbook.likes.add(anglers[i], anglers[(i + 1) % n])
        for j in range(2):
            CatchPhoto.objects.create(logbook=logbook, image_url="https://img.example/%d/%d.jpg" % (i, j))
    return shopper


# --------------------------------------------------------------------------
# calling views

def call_function(view, method="get", kwargs=None, data=None):
    def run(user):
        return _finish(view(_request(user, method, data=data), **(kwargs or {})))

    return run


def call_async(view, kwargs=None):
    def run(user):
        return _finish(async_to_sync(view)(_request(user), **(kwargs or {})))

    return run


def call_class(view_class, kwargs=None):
    def run(user):
        return _finish(view_class.as_view()(_request(user), **(kwargs or {})))

    return run


def call_admin_changelist(model, admin_class=None):
    """Changelist of admin.site's ModelAdmin for model (optionally swapped for admin_class)."""

    def run(user):
        original = admin.site._registry[model]
        if admin_class is not None:
            admin.site._registry[model] = admin_class(model, admin.site)
        try:
            path = "/admin/%s/%s/" % (model._meta.app_label, model._meta.model_name)
            return _finish(admin.site._registry[model].changelist_view(_request(user, path=path)))
        finally:
            admin.site._registry[model] = original

    return run


def dotted(obj):
    return "%s.%s" % (obj.__module__, obj.__qualname__)


def build_cases():
    """(shop view, runner, fixed view or None, fixed runner) for the N+1 views; clean views apart."""
    from catalog import admin as shop_admin
    from catalog import api, async_views, views
    from fixed import catalog_admin, catalog_api, catalog_views, inventory_views, logbook_views
    from inventory import views as inventory_shop
    from logbook import views as logbook_shop

    discount = {"slug": "all-tackle"}
    n_plus_one = [
        (views.product_list, call_function(views.product_list),
         catalog_views.product_list, call_function(catalog_views.product_list)),
        (views.ProductFeedView, call_class(views.ProductFeedView),
         catalog_views.ProductFeedView, call_class(catalog_views.ProductFeedView)),
        (views.category_overview, call_function(views.category_overview),
         catalog_views.category_overview, call_function(catalog_views.category_overview)),
        (views.review_digest, call_function(views.review_digest),
         catalog_views.review_digest, call_function(catalog_views.review_digest)),
        (views.product_teasers, call_function(views.product_teasers),
         catalog_views.product_teasers, call_function(catalog_views.product_teasers)),
        (views.apply_category_discount,
         call_function(views.apply_category_discount, "post", discount, {"percent": "10"}),
         catalog_views.apply_category_discount,
         call_function(catalog_views.apply_category_discount, "post", discount, {"percent": "10"})),
        (api.ProductListAPI, call_class(api.ProductListAPI),
         catalog_api.ProductListAPI, call_class(catalog_api.ProductListAPI)),
        (shop_admin.ReviewAdmin, call_admin_changelist(Review),
         catalog_admin.ReviewAdmin, call_admin_changelist(Review, catalog_admin.ReviewAdmin)),
        (shop_admin.CategoryAdmin, call_admin_changelist(Category),
         catalog_admin.CategoryAdmin, call_admin_changelist(Category, catalog_admin.CategoryAdmin)),
        (inventory_shop.my_reservations, call_function(inventory_shop.my_reservations),
         inventory_views.my_reservations, call_function(inventory_views.my_reservations)),
        (logbook_shop.logbook_feed, call_function(logbook_shop.logbook_feed),
         logbook_views.logbook_feed, call_function(logbook_views.logbook_feed)),
        (logbook_shop.logbook_feed_async, call_async(logbook_shop.logbook_feed_async),
         logbook_views.logbook_feed_async, call_async(logbook_views.logbook_feed_async)),
        (views.catalog_page, call_function(views.catalog_page),
         catalog_views.catalog_page, call_function(catalog_views.catalog_page)),
        (logbook_shop.logbook_feed_cached, call_function(logbook_shop.logbook_feed_cached),
         logbook_views.logbook_feed_cached, call_function(logbook_views.logbook_feed_cached)),
        (views.shelf_labels, call_function(views.shelf_labels),
         catalog_views.shelf_labels, call_function(catalog_views.shelf_labels)),
    ]
    clean = [
        (views.category_overview_annotated, call_function(views.category_overview_annotated)),
        (views.latest_reviews, call_function(views.latest_reviews)),
        (views.price_list, call_function(views.price_list)),
        (views.shelf_summary, call_function(views.shelf_summary)),
        (views.featured_products, call_function(views.featured_products)),
        (api.ProductReviewsAPI, call_class(api.ProductReviewsAPI)),
        (shop_admin.ProductAdmin, call_admin_changelist(Product)),
        (shop_admin.ProductStockAdmin, call_admin_changelist(ProductStock)),
        (logbook_shop.logbook_like_counts, call_function(logbook_shop.logbook_like_counts)),
        (async_views.store_dashboard, call_async(async_views.store_dashboard)),
        (inventory_shop.stock_ledger, call_function(inventory_shop.stock_ledger, kwargs={"product_id": 1})),
    ]
    return n_plus_one, clean


def count_queries(run, user):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        run(user)
    return len(ctx.captured_queries)


# --------------------------------------------------------------------------
# what Django does with a prefetched manager

def probe_prefetch_cache():
    """Queries issued by each call on a prefetched M2M / reverse-FK manager (one instance)."""
    m2m_calls = {
        "all()": lambda m: list(m.all()),
        "len(all())": lambda m: len(m.all()),
        "count()": lambda m: m.count(),
        "exists()": lambda m: m.exists(),
        "first()": lambda m: m.first(),
        "last()": lambda m: m.last(),
        "all()[0]": lambda m: m.all()[0],
        "all()[:1]": lambda m: list(m.all()[:1]),
        "filter(pk=...)": lambda m: list(m.filter(pk=1)),
        "values_list('pk', flat=True)": lambda m: list(m.values_list("pk", flat=True)),
        "order_by('-pk')": lambda m: list(m.order_by("-pk")),
        "all().exists()": lambda m: m.all().exists(),
        "all().count()": lambda m: m.all().count(),
        "in_bulk()": lambda m: m.in_bulk(),
        "aggregate(Count('id'))": lambda m: m.aggregate(n=django.db.models.Count("id")),
        "get(pk=...)": lambda m: m.get(pk=m.all()[0].pk),
    }
    result = {}

    def probe(label, instance_factory, attr):
        row = {}
        for name, call in m2m_calls.items():
            instance = instance_factory()
            manager = getattr(instance, attr)
            with CaptureQueriesContext(connection) as ctx:
                try:
                    call(manager)
                    row[name] = len(ctx.captured_queries)
                except Exception as exc:  # pragma: no cover - reported, not fatal
                    row[name] = "error: %s" % exc
        result[label] = row

    probe(
        "Logbook.likes (M2M to User, User has no default ordering)",
        lambda: Logbook.objects.prefetch_related("likes").order_by("pk")[0],
        "likes",
    )
    probe(
        "Product.reviews (reverse FK, Review has no default ordering)",
        lambda: Product.objects.prefetch_related("reviews").order_by("pk")[0],
        "reviews",
    )
    probe(
        "Category.products (reverse FK, prefetched with Prefetch(queryset=...order_by('pk')))",
        lambda: Category.objects.prefetch_related(
            django.db.models.Prefetch("products", queryset=Product.objects.order_by("pk"))
        ).get(slug="shelf-00"),
        "products",
    )
    return result


# --------------------------------------------------------------------------

def fit(counts, sizes):
    """base + per_row * N through the first two sizes; linear if every size agrees."""
    first, second = sizes[0], sizes[1] if len(sizes) > 1 else sizes[0]
    if first == second:
        return {"base": counts[str(first)], "per_row": None, "linear": None}
    per_row = (counts[str(second)] - counts[str(first)]) / (second - first)
    base = counts[str(first)] - per_row * first
    linear = all(abs(base + per_row * n - counts[str(n)]) < 1e-9 for n in sizes)
    as_int = lambda x: int(x) if float(x).is_integer() else x  # noqa: E731
    return {"base": as_int(base), "per_row": as_int(per_row), "linear": linear}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="3,7", help="comma-separated row counts (at least two)")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})

    n_plus_one, clean = build_cases()
    out = {
        "django": django.get_version(),
        "sizes": sizes,
        "views": {},
        "fixed": {},
        "fixed_for": {},
        "clean": {},
        "fits": {},
        "warm_cache": {},
        "prefetch_cache": None,
        "known_related": {},
        "problems": [],
    }
    for n in sizes:
        reset_database()
        user = seed(n)
        for view, run, fixed_view, fixed_run in n_plus_one:
            for section, target, runner in (("views", view, run), ("fixed", fixed_view, fixed_run)):
                key = dotted(target)
                try:
                    out[section].setdefault(key, {})[str(n)] = count_queries(runner, user)
                except Exception as exc:
                    out["problems"].append("%s (N=%d): %s: %s" % (key, n, type(exc).__name__, exc))
            out["fixed_for"][dotted(view)] = dotted(fixed_view)
        for view, run in clean:
            key = dotted(view)
            try:
                out["clean"].setdefault(key, {})[str(n)] = count_queries(run, user)
            except Exception as exc:
                out["problems"].append("%s (N=%d): %s: %s" % (key, n, type(exc).__name__, exc))
        # A cached view's second call: the cache hides the N+1 until the next like/unlike.
        from logbook import views as logbook_shop

        key = dotted(logbook_shop.logbook_feed_cached)
        run = call_function(logbook_shop.logbook_feed_cached)
        cache.clear()
        run(user)
        with CaptureQueriesContext(connection) as ctx:
            run(user)
        out["warm_cache"].setdefault(key, {})[str(n)] = len(ctx.captured_queries)
        if out["prefetch_cache"] is None:
            out["prefetch_cache"] = probe_prefetch_cache()
        # Rows of a reverse-FK manager know their owner (Django's known related objects): reading the FK back runs
        # no query, for all() and for a filter() on the manager. djperf relies on it (QuerysetValue.knownRelated).
        shelf = Category.objects.get(slug="shelf-00")
        with CaptureQueriesContext(connection) as ctx:
            [p.category.name for p in shelf.products.filter(is_active=True)]
        out["known_related"][str(n)] = len(ctx.captured_queries)

    for section in ("views", "fixed", "clean"):
        for key, counts in out[section].items():
            if len(counts) != len(sizes):
                continue
            shape = fit(counts, sizes)
            out["fits"][key] = shape
            if len(sizes) < 2:
                continue
            if section == "views" and not (shape["linear"] and shape["per_row"] and shape["per_row"] >= 1):
                out["problems"].append("%s: expected 1 + kN growth, got %s" % (key, counts))
            if section != "views" and shape["per_row"] != 0:
                out["problems"].append("%s: expected a constant count, got %s" % (key, counts))

    json.dump(out, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 1 if out["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
