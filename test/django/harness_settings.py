"""
Django settings for running the example project (examples/shop) on an
in-memory SQLite database under the system Django (3.2 on Debian).

Used by query_counts.py and by ``python3 harness_settings.py makemigrations``.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHOP = os.path.join(REPO, "examples", "shop")


def configure():
    """Configure and set up Django once; returns the settings object."""
    for path in (SHOP, HERE):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django
    from django.conf import settings

    if settings.configured:
        return settings
    import shop.settings as shop_settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="query-count-harness",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=list(shop_settings.INSTALLED_APPS),
        MIDDLEWARE=list(shop_settings.MIDDLEWARE),
        ROOT_URLCONF="shop.urls",
        TEMPLATES=shop_settings.TEMPLATES,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "harness"}},
        DEFAULT_AUTO_FIELD=shop_settings.DEFAULT_AUTO_FIELD,
        USE_TZ=True,
        TIME_ZONE="UTC",
        STATIC_URL="/static/",
        REST_FRAMEWORK=shop_settings.REST_FRAMEWORK,
        WAREHOUSE_API_URL="http://warehouse.invalid/api",
        WAREHOUSE_WEBHOOK_URL="http://warehouse.invalid/api/reservations",
        SPECIES_API_URL="http://species.invalid/api/v1",
        SPECIES_API_KEY="",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    django.setup()
    return settings


if __name__ == "__main__":
    configure()
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0]] + sys.argv[1:])
