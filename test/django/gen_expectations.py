"""
Regenerate examples/shop/EXPECTATIONS.md from the ``# expect:`` / ``# ok:``
comments of the example project, so the table's line numbers never drift.

    python3 test/django/gen_expectations.py          # rewrite the file
    python3 test/django/gen_expectations.py --check  # exit 1 if it is stale

Every annotated line must match one entry of NOTES (file + a unique piece of
the line); an annotated line without a note, or a note that matches nothing,
is an error.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHOP = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "shop")
OUT = os.path.join(SHOP, "EXPECTATIONS.md")
MARK = re.compile(r"#\s*(expect|ok):\s*(DJP\d{3}(?:\s*,\s*DJP\d{3})*)")

# seed: which field report / situation the line comes from
#   S1 product list N+1, S2 logbook likes, S3 stock reservation, S4 async views,
#   S5 external API flow, S6 CPU-bound report, S7 other ORM patterns,
#   D deployment config, T clean trap (must stay unflagged)
NOTES = [
    # ---- catalog/views.py
    ("catalog/views.py", "p.category.name", "S1", "FK read per row in `for p in Product.objects.all()` (function view); harness: product_list 1+2N"),
    ("catalog/views.py", "p.stock.available,", "S1", "reverse O2O `stock` read per row, same loop"),
    ("catalog/views.py", "product.category_name = product.category.name", "S1", "FK read per row in ListView.get_queryset (ProductFeedView); harness 1+2N"),
    ("catalog/views.py", "product.in_stock = product.stock.available", "S1", "O2O read per row in ListView.get_queryset"),
    ("catalog/views.py", "category.products.count()", "S7", "per-row `.count()` on a reverse FK (should be annotate(Count)); harness 2+N"),
    ("catalog/views.py", "category.product_count}", "T", "annotated count read per row"),
    ("catalog/views.py", "product.reviews.all()]", "S7", "reverse FK iterated per row without prefetch_related; harness 1+N"),
    ("catalog/views.py", '"sku": product.sku,  # ok: DJP107', "T", "field loaded by only() read per row"),
    ("catalog/views.py", "product.description[:80]", "S7", "deferred field read per row after only(); harness 1+N"),
    ("catalog/views.py", 'product.save(update_fields=["price"])', "S7", "save() per row (should be update()/bulk_update); harness 2+N"),
    ("catalog/views.py", "review.product.name", "T", "relation already selected"),
    ("catalog/views.py", "review.product.category.name", "T", 'nested `select_related("product__category")`'),
    ("catalog/views.py", "review.author.username", "T", "relation already selected"),
    ("catalog/views.py", "p.shelf_label for p in", "S1", "FK read per row inside a model property (Product.shelf_label reads self.category); harness 1+N"),
    ("catalog/views.py", "review.product_id", "T", "`*_id` read"),
    ("catalog/views.py", 'row["category__name"]', "T", "loop over values() rows"),
    ("catalog/views.py", "(sku, category_id)", "T", "loop over values_list() rows"),
    ("catalog/views.py", "products = category.products.all()", "T", "prefetched reverse FK `.all()`"),
    ("catalog/views.py", '"products": len(products)', "T", "len() of a prefetched `.all()`"),
    ("catalog/views.py", "sum(p.stock.available for p in products)", "T", 'O2O covered by `prefetch_related("products__stock")`'),
    # ---- catalog/async_views.py
    ("catalog/async_views.py", "product = Product.objects.get(pk=product_id)", "S4", "sync ORM `.get()` in async def"),
    ("catalog/async_views.py", "available = cache.get(", "S4", "sync cache API in async def"),
    ("catalog/async_views.py", "time.sleep(0.2)", "S4", "`time.sleep` in async def"),
    ("catalog/async_views.py", "response = requests.get(", "S4", "`requests.get` in async def"),
    ("catalog/async_views.py", "cache.set(", "S4", "sync cache API in async def"),
    ("catalog/async_views.py", "sync_to_async(Product.objects.filter(pk=product_id).update)", "S4", "`sync_to_async(f)(...)` never awaited (coroutine dropped)"),
    ("catalog/async_views.py", "stock_badge(available)", "T", "sync helper without ORM/I-O called from async def"),
    ("catalog/async_views.py", "request.user.username", "S4", "`request.user` attribute in async def (lazy user + session load)"),
    ("catalog/async_views.py", "await Product.objects.aget(", "T", "awaited async ORM call (Django >= 4.1)"),
    ("catalog/async_views.py", "related = related_products(product)", "S4", "sync helper doing ORM called from async def (call site)"),
    ("catalog/async_views.py", "category = product.category", "S4", "lazy FK access in async def"),
    ("catalog/async_views.py", '"category_id": product.category_id', "T", "`*_id` read in async def"),
    ("catalog/async_views.py", "for p in Product.objects.all():", "S4", "iterating a QuerySet in async def"),
    ("catalog/async_views.py", "async_to_sync(quote_cart)(cart)", "S4", "async_to_sync inside async def (RuntimeError)"),
    ("catalog/async_views.py", "await sync_to_async(Product.objects.get)(", "S4", "one sync_to_async thread hop per loop iteration (DJP105 deliberately not expected: DJP403 is the specific finding)"),
    ("catalog/async_views.py", "await sync_to_async(Product.objects.filter)(", "S4", "sync_to_async returns a lazy QuerySet"),
    ("catalog/async_views.py", '[p.name for p in products]})', "S4", "that lazy QuerySet is evaluated in the async def"),
    ("catalog/async_views.py", "return Product.objects.filter(reviews__rating__gte=4).distinct()", "S4", "`@sync_to_async` function returns a lazy QuerySet"),
    ("catalog/async_views.py", "names = [product.name for product in products]", "S4", "that lazy QuerySet is evaluated in the async def"),
    ("catalog/async_views.py", "await asyncio.gather(", "S4", "asyncio.gather of thread-sensitive sync_to_async ORM calls (serialised on one thread anyway); harness: constant 3"),
    ("catalog/async_views.py", "thread_sensitive=False", "S4", "ORM under thread_sensitive=False"),
    ("catalog/async_views.py", "active = Product.objects.filter(is_active=True)", "T", "QuerySet built, not evaluated, in async def"),
    ("catalog/async_views.py", "await active.acount()", "T", "awaited async ORM call"),
    ("catalog/async_views.py", "async for c in Category.objects", "T", "`async for` over a QuerySet"),
    ("catalog/async_views.py", "await sync_to_async(lambda: Category", "T", "ORM inside a lambda run by sync_to_async"),
    ("catalog/async_views.py", "key=lambda name: name.lower()", "T", "plain lambda inside async def"),
    ("catalog/async_views.py", "await asyncio.sleep(0)", "T", "awaited asyncio.sleep"),
    # ---- catalog/api.py, admin.py, tests.py
    ("catalog/api.py", "queryset = Product.objects.all()", "S7", "DRF ListAPIView: nested CategorySerializer + `stock.available` source over a plain queryset; harness 1+2N"),
    ("catalog/api.py", 'select_related("category", "stock").prefetch_related("reviews")', "T", "DRF queryset selecting/prefetching what the nested serializers read"),
    ("catalog/admin.py", '("name", "slug", "parent")', "S7", "nullable FK in list_display: the changelist's automatic select_related() skips nullable FKs; harness 3+N"),
    ("catalog/admin.py", '("sku", "name", "category", "price", "is_active")', "T", "list_select_related set"),
    ("catalog/admin.py", '("product", "available", "reserved", "updated_at")', "T", "non-null O2O field in list_display: Django applies select_related() itself (covers Product.__str__ -> category); harness constant 3"),
    ("catalog/admin.py", '("__str__", "rating", "created_at")', "S7", "relation via `__str__` (author, product, product.category); no real FK field listed so no automatic select_related; harness 4+3N"),
    ("catalog/tests.py", "DJANGO_ALLOW_ASYNC_UNSAFE", "T", "DJANGO_ALLOW_ASYNC_UNSAFE in tests"),
    ("catalog/tests.py", "product = Product.objects.create(", "T", "create per row in a test fixture; silenced by `per-file-ignores` (`**/tests.py`)"),
    ("catalog/tests.py", "ProductStock.objects.create(", "T", "same, silenced by per-file-ignores"),
    # ---- inventory
    ("inventory/views.py", "stock = ProductStock.objects.select_for_update().get(product_id=product_id)  # expect: DJP203", "S3", "select_for_update of the shared ProductStock row in a request path (reserve_stock / reserve_and_notify_warehouse)"),
    ("inventory/views.py", "cache.delete_many(", "S3", "cache round trip while the row lock is held"),
    ("inventory/views.py", "ack = requests.post(", "S3", "HTTP call to the warehouse while the row lock is held"),
    ("inventory/views.py", "StockReservation.objects.select_for_update().get(pk=pk, user=request.user)", "S3", "select_for_update evaluated outside any transaction (DJP203 not expected: per-user reservation row, not a hot row)"),
    ("inventory/views.py", 'select_related("product").select_for_update().get(', "S3", "select_related + select_for_update without `of=` also locks the product row"),
    ("inventory/views.py", '.select_for_update(of=("self",))', "T", "select_for_update(of=('self',)) with select_related"),
    ("inventory/views.py", "product = Product.objects.get(pk=reservation.product_id)", "S7", "query inside a loop; harness 1+N"),
    ("inventory/views.py", '"reservation": reservation_id, "balance"', "T", "loop over values_list() rows"),
    ("inventory/async_views.py", "async with transaction.atomic():", "S4", "transaction.atomic used as an async context manager"),
    ("inventory/async_views.py", "async def expire_reservations(request):", "S4", "async view whose only work is sync_to_async of ORM code"),
    ("inventory/admin.py", '("id", "product", "user", "quantity", "status", "expires_at")', "T", "list_select_related set"),
    ("inventory/admin.py", '("id", "product_id", "kind", "quantity", "created_at")', "T", "`*_id` column only"),
    # ---- logbook
    ("logbook/views.py", '"author_id": logbook.author_id', "T", "`*_id` read"),
    ("logbook/views.py", '"has_likes": logbook.likes.exists(),  # ok: DJP103', "S2", "`.exists()` on the prefetched manager: Django 3.2 answers it from the prefetch cache (0 queries, harness prefetch_cache probe)"),
    ("logbook/views.py", 'list(logbook.likes.values_list("username", flat=True))', "S2", "`.values_list()` on the prefetched manager re-queries per row; harness 2+N (not 1+2N)"),
    ("logbook/views.py", "async def logbook_feed_async(request):", "S2", "async view whose only work is one sync_to_async(lambda: [...comprehension...])"),
    ("logbook/views.py", 'for logbook in Logbook.objects.all().prefetch_related("likes")  # ok: DJP302', "T", "ORM inside a lambda run by sync_to_async"),
    ("logbook/views.py", "likers = logbook.likes.all()", "T", "prefetched M2M `.all()`"),
    ("logbook/views.py", '"author": logbook.author.username', "T", "relation already selected"),
    ("logbook/views.py", '"likes": len(likers)', "T", "len() of a prefetched `.all()`"),
    ("logbook/views.py", "[user.username for user in likers]", "T", "iterating a prefetched `.all()`"),
    ("logbook/admin.py", '("title", "author", "water", "created_at")', "T", "list_select_related set"),
    # ---- integrations
    ("integrations/views.py", "for url in urls:  # ok: DJP105", "S5", "40 sequential HTTP calls in a sync view: no query in the loop (the cost shows up as DJP604/DJP606 on the gunicorn config)"),
    ("integrations/views.py", "async for photo in CatchPhoto.objects", "T", "`async for` over a QuerySet"),
    ("integrations/views.py", "response = requests.post(", "S5", "`requests.post` in an async def, once per photo"),
    ("integrations/views.py", "await Logbook.objects.aget(", "T", "awaited async ORM call"),
    ("integrations/views.py", "async for photo in logbook.photos.all()", "T", "`async for` over a reverse-FK manager (no lazy load)"),
    ("integrations/views.py", "responses = await asyncio.gather(", "T", "asyncio.gather of httpx calls (not ORM)"),
    # ---- reports
    ("reports/views.py", '"day": created_at.date().isoformat()', "S6", "loop over values_list() rows"),
    ("reports/views.py", 'ratings.setdefault(row["product_id"]', "S6", "loop over values() rows"),
    # ---- config
    ("shop/asgi.py", "DJANGO_ALLOW_ASYNC_UNSAFE", "S4", "DJANGO_ALLOW_ASYNC_UNSAFE set outside tests"),
    ("gunicorn.conf.py", 'worker_class = "gthread"', "D", "async views (catalog.async_views, logbook_feed_async, integrations) served by a WSGI worker"),
    ("gunicorn.conf.py", "threads = 3", "D", "reserve_and_notify_warehouse (row lock + HTTP) and identify_catches (40 sequential HTTP calls) can hold all 3 thread slots"),
    ("gunicorn.conf.py", "timeout = 10", "D", "identify_catches: 40 sequential calls of ~0.3-0.8 s each, p99 well above 10 s"),
    ("gunicorn.asgi.conf.py", "UvicornWorker", "D", "mostly sync views under uvicorn workers (all run on the one thread-sensitive executor)"),
    ("catalog/templates/catalog/catalog_page.html", "{{ product.category.name }}", "S1", "template FK read per row of Product.objects.filter(...) passed by catalog_page"),
    ("catalog/templates/catalog/catalog_page.html", "{{ product.reviews.count }}", "S7", "template `.count` on a reverse FK per row (annotate Count instead)"),
    ("catalog/templates/catalog/catalog_page.html", "{{ product.category_id }}", "T", "the FK column needs no query"),
    ("serve_waitress.py", "threads=16", "S6", "CPU-bound report views (reports/analytics.py) on 16 threads of one process"),
]


def annotated_lines():
    for root, dirs, files in os.walk(SHOP):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "migrations"))
        for name in sorted(files):
            if not name.endswith((".py", ".html")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, SHOP).replace(os.sep, "/")
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    match = MARK.search(line)
                    if match:
                        codes = [c.strip() for c in match.group(2).split(",")]
                        yield rel, number, line.rstrip("\n"), match.group(1), codes


def render():
    rows, errors, used = [], [], set()
    for rel, number, line, kind, codes in annotated_lines():
        hits = [i for i, (f, piece, _, _) in enumerate(NOTES) if f == rel and piece in line]
        if not hits:
            errors.append("%s:%d has no note: %s" % (rel, number, line.strip()))
            continue
        used.update(hits)
        _, _, seed, text = NOTES[hits[0]]
        code = line.split("#")[0].strip() if not line.strip().startswith("#") else line.strip()
        code = code if len(code) <= 70 else code[:67] + "..."
        rows.append((rel, number, kind, ", ".join(codes), seed, text, code))
    for i, (f, piece, _, _) in enumerate(NOTES):
        if i not in used:
            errors.append("note matches no annotated line: %s: %s" % (f, piece))
    expect = sum(1 for r in rows if r[2] == "expect")
    out = [
        "# Expectations of the example project",
        "",
        "Generated by `python3 test/django/gen_expectations.py` from the `# expect:` / `# ok:`",
        "comments; do not edit by hand.  `expect` lines must be flagged with exactly those codes,",
        "`ok` lines must not be flagged with those codes.  Migrations are excluded (`[tool.djperf]`).",
        "",
        "Seeds: S1 product list N+1, S2 logbook likes, S3 stock reservation, S4 async views,",
        "S5 external API flow (40 images), S6 CPU-bound report under waitress, S7 other ORM",
        "patterns, D deployment config, T clean trap.  \"harness\" counts are real Django 3.2",
        "query counts from `test/django/query_counts.py` (N = rows per model).",
        "",
        "%d expect lines, %d ok lines." % (expect, len(rows) - expect),
        "",
        "| file | line | kind | codes | seed | situation | code |",
        "| --- | ---: | --- | --- | --- | --- | --- |",
    ]
    for rel, number, kind, codes, seed, text, code in rows:
        out.append("| %s | %d | %s | %s | %s | %s | `%s` |" % (
            rel, number, kind, codes, seed, text.replace("|", "\\|"), code.replace("|", "\\|").replace("`", "'")))
    return "\n".join(out) + "\n", errors


def main():
    text, errors = render()
    for error in errors:
        sys.stderr.write(error + "\n")
    if "--check" in sys.argv:
        current = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else ""
        if current != text:
            sys.stderr.write("EXPECTATIONS.md is stale\n")
            return 1
        return 1 if errors else 0
    with open(OUT, "w", encoding="utf-8") as handle:
        handle.write(text)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
