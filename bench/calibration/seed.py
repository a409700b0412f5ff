"""
Migrate and seed the calibration database deterministically (same rows on every run):

* users: superuser ``shopper`` (password ``shopper``; Locust logs in as it) and 20 anglers;
* categories: root ``all-tackle`` and 10 shelves under it;
* 50 products (product i on shelf i % 10), each with a ProductStock row (1,000,000 available,
  so reservations never run out) and one review;
* 20 logbooks, each liked by 2 anglers, with 2 catch photos.

Run with DJANGO_SETTINGS_MODULE=calibration_settings (run.sh does).
"""
import os
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calibration_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from catalog.models import Category, Product, ProductStock, Review  # noqa: E402
from logbook.models import CatchPhoto, Logbook  # noqa: E402

PRODUCTS = 50
SHELVES = 10
LOGBOOKS = 20


def main():
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    with transaction.atomic():
        User.objects.create_superuser("shopper", "shopper@example.com", "shopper")
        anglers = [User.objects.create_user("angler%02d" % i, "angler%02d@example.com" % i, "pw") for i in range(LOGBOOKS)]
        root = Category.objects.create(name="All tackle", slug="all-tackle")
        shelves = [Category.objects.create(name="Shelf %02d" % i, slug="shelf-%02d" % i, parent=root) for i in range(SHELVES)]
        for i in range(PRODUCTS):
            product = Product.objects.create(
                category=shelves[i % SHELVES],
                sku="SKU-%04d" % i,
                name="Product %02d" % i,
                description="Description of product %02d. " % i * 4,
                price=Decimal("9.90") + i,
            )
            ProductStock.objects.create(product=product, available=1000000, reserved=0)
            Review.objects.create(product=product, author=anglers[i % LOGBOOKS], rating=1 + i % 5, body="Review %d" % i)
        for i in range(LOGBOOKS):
            logbook = Logbook.objects.create(author=anglers[i], title="Catch %02d" % i, water="Lake %d" % i)
            logbook.likes.add(anglers[i], anglers[(i + 1) % LOGBOOKS])
            for j in range(2):
                CatchPhoto.objects.create(logbook=logbook, image_url="https://img.example/%d/%d.jpg" % (i, j))
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    print("seeded: %d products (ids %d..%d), %d logbooks" % (len(ids), ids[0], ids[-1], Logbook.objects.count()))


if __name__ == "__main__":
    main()
