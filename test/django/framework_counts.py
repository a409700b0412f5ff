"""
Real-Django query counts of the fixture project test/fixtures/projects/framework_behaviour
(inheritance, the swappable user, custom managers, generic relations, DRF serializers, admin).

    /usr/bin/python3 test/django/framework_counts.py --sizes 3,5

For every size N the in-memory SQLite database is rebuilt (syncdb: the fixture has no migrations) and seeded:

* members: ``admin`` (superuser, the requesting user, no mentor) and N members m0..m{N-1}, member i mentored by
  member (i + 1) mod N;
* publishers: N, publisher i created by member i, each with a PublisherProfile;
* tags: 2;
* books: N EBooks (each is a Book row too), book i published by publisher i, owned and created by member i,
  tagged with both tags, one Review each;
* shelves: N, shelf i of publisher i, with one ShelfItem each;
* comments: N, comment i on publisher i (GenericForeignKey).

ContentType's cache is warmed before each call (as in a running server) and every view is called through
RequestFactory inside CaptureQueriesContext.

Output (stdout, JSON): {"django": "3.2.x", "sizes": [3, 5], "views": {"<dotted>": {"3": q, "5": q}}, "problems": []}
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.join(os.path.dirname(HERE), "fixtures", "projects", "framework_behaviour")
APPS = ["accounts", "common", "library", "api"]


def configure():
    sys.path.insert(0, PROJECT)
    sys.path.insert(0, HERE)
    import django
    from django.conf import settings

    builtin = ["auth", "contenttypes", "admin", "sessions", "messages"]
    settings.configure(
        DEBUG=False,
        SECRET_KEY="framework-count-harness",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=[
            "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.admin", "django.contrib.sessions",
            "django.contrib.messages", "rest_framework", *APPS,
        ],
        # No migrations anywhere: the swappable user lives in an app without migrations, so syncdb builds every table.
        MIGRATION_MODULES={label: None for label in builtin + APPS},
        AUTH_USER_MODEL="accounts.Member",
        ROOT_URLCONF="framework_urls",
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]},
        }],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
        REST_FRAMEWORK={"DEFAULT_PAGINATION_CLASS": None, "UNAUTHENTICATED_USER": None},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    django.setup()


configure()

from django.contrib import admin  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from realdb import finish as _finish, request_as as _request, reset_database  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Member  # noqa: E402
from api import views as api_views  # noqa: E402
from library import views  # noqa: E402
from library.models import Book, Classic, Comment, EBook, Publisher, PublisherProfile, Review, Shelf, ShelfItem, Tag, Tagging  # noqa: E402


def seed(n):
    user = Member.objects.create_superuser("admin", "admin@example.com", "pw")
    members = [Member.objects.create_user("m%02d" % i, "m%02d@example.com" % i, "pw", nickname="M%d" % i) for i in range(n)]
    for i, m in enumerate(members):
        m.mentor = members[(i + 1) % n]
        m.save(update_fields=["mentor"])
    tags = [Tag.objects.create(name="tag%d" % j) for j in range(2)]
    for i in range(n):
        publisher = Publisher.objects.create(name="Publisher %d" % i, created_by=members[i])
        PublisherProfile.objects.create(publisher=publisher, bio="Bio %d" % i)
        book = EBook.objects.create(
            title="Book %d" % i, publisher=publisher, owner=members[i], created_by=members[i],
            file_url="https://files.example/%d.epub" % i,
        )
        for tag in tags:
            Tagging.objects.create(book=book, tag=tag)
        Review.objects.create(book=book, body="Review %d" % i)
        shelf = Shelf.objects.create(label="Shelf %d" % i, publisher=publisher)
        ShelfItem.objects.create(shelf=shelf)
        Comment.objects.create(content_type=ContentType.objects.get_for_model(Publisher), object_id=publisher.pk, text="c%d" % i)
    return user


def call_function(view):
    return lambda user: _finish(view(_request(user)))


def call_viewset(viewset):
    return lambda user: _finish(viewset.as_view({"get": "list"})(_request(user)))


def call_changelist(model):
    def run(user):
        model_admin = admin.site._registry[model]
        path = "/admin/%s/%s/" % (model._meta.app_label, model._meta.model_name)
        return _finish(model_admin.changelist_view(_request(user, path=path)))

    return run


def dotted(obj):
    return "%s.%s" % (obj.__module__, obj.__qualname__)


def cases():
    from library import admin as library_admin

    out = []
    for name in dir(views):
        fn = getattr(views, name)
        if callable(fn) and getattr(fn, "__module__", "") == views.__name__:
            out.append((dotted(fn), call_function(fn)))
    for name in ("BookViewSet", "PlainBookViewSet", "LoadedBookViewSet", "JoinedBookViewSet", "BookTitleViewSet", "BookCardViewSet", "BookCardTagsViewSet", "ShelfViewSet"):
        out.append((dotted(getattr(api_views, name)), call_viewset(getattr(api_views, name))))
    for name in ("book_depth", "book_depth_joined"):
        fn = getattr(api_views, name)
        out.append(("api.views.%s" % name, call_function(fn)))
    from library import cbv

    for name in ("PublisherNames", "OwnerNames"):
        view = getattr(cbv, name).as_view()
        out.append((dotted(getattr(cbv, name)), call_function(view)))
    for model, cls in ((Book, "BookAdmin"), (Tag, "TagAdmin"), (Publisher, "PublisherAdmin"), (Review, "ReviewAdmin"), (EBook, "EBookAdmin"), (Comment, "CommentAdmin"), (Classic, "ClassicAdmin"), (Shelf, "ShelfAdmin"), (ShelfItem, "ShelfItemAdmin")):
        out.append((dotted(getattr(library_admin, cls)), call_changelist(model)))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="3,5")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    import django

    result = {"django": django.get_version(), "sizes": sizes, "views": {}, "problems": []}
    for n in sizes:
        reset_database()
        user = seed(n)
        for name, run in cases():
            ContentType.objects.clear_cache()
            ContentType.objects.get_for_model(Publisher)  # a running server has the content type cached
            try:
                with CaptureQueriesContext(connection) as ctx:
                    run(user)
                result["views"].setdefault(name, {})[str(n)] = len(ctx.captured_queries)
            except Exception as exc:  # noqa: BLE001 - reported, the test fails on it
                result["problems"].append("%s at N=%d: %r" % (name, n, exc))
    print(json.dumps(result, indent=1, sort_keys=True))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
