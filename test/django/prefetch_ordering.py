"""
What Django answers from a prefetched related manager, measured on the fixture project
test/fixtures/projects/prefetch_ordering: each view of shelves/views.py runs against an in-memory
SQLite database seeded with N shelves of two items and two notes, and its queries are counted.

    /usr/bin/python3 test/django/prefetch_ordering.py --sizes 3,7   # prints {"views": {view: {N: queries}}}
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.join(os.path.dirname(HERE), "fixtures", "projects", "prefetch_ordering")
sys.path.insert(0, PROJECT)

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(
    INSTALLED_APPS=["shelves"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True}],
    USE_TZ=True,
)
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from shelves import views  # noqa: E402
from shelves.models import Item, Note, Shelf  # noqa: E402

VIEWS = ["first_items", "first_notes", "last_notes", "shelf_page", "shelf_page_plain"]


def seed(n):
    Note.objects.all().delete()
    Item.objects.all().delete()
    Shelf.objects.all().delete()
    for i in range(n):
        shelf = Shelf.objects.create(name=f"shelf {i}")
        for j in range(2):
            Item.objects.create(shelf=shelf, label=f"item {j}")
            Note.objects.create(shelf=shelf, text=f"note {j}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="3,7")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    call_command("migrate", run_syncdb=True, verbosity=0)
    request = RequestFactory().get("/")
    out = {name: {} for name in VIEWS}
    for n in sizes:
        seed(n)
        for name in VIEWS:
            with CaptureQueriesContext(connection) as queries:
                getattr(views, name)(request)
            out[name][str(n)] = len(queries)
    json.dump({"sizes": sizes, "views": out}, sys.stdout)


if __name__ == "__main__":
    main()
