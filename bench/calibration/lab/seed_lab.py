"""Creates the lab's tables (migrate --run-syncdb) and rows: 10 shelves, 50 products, 1 stock row."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab_settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from labapp.models import Product, Shelf, Stock  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
shelves = [Shelf.objects.create(name="shelf %d" % i) for i in range(10)]
Product.objects.bulk_create([Product(name="product %d" % i, price=100 + i, shelf=shelves[i % 10]) for i in range(50)])
Stock.objects.create(pk=1, units=0)
