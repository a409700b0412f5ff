"""
Settings of the calibration benchmark: the example shop (examples/shop) on a throwaway
PostgreSQL cluster over loopback. Used by seed.py, measure.py and gunicorn (wsgi.py).

PYTHONPATH must hold examples/shop, test/django (for the hand-fixed select_related view)
and this directory; run.sh sets it. The database is reached on 127.0.0.1:$CALIB_PG_PORT.
"""
import os

from shop.settings import *  # noqa: F401,F403  (the shop's apps, middleware, templates, DRF)

DEBUG = False
SECRET_KEY = "djperf-calibration-not-a-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]  # testserver: django.test.Client in measure.py
ROOT_URLCONF = "calibration_urls"
WSGI_APPLICATION = "calibration_wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": os.environ.get("CALIB_PG_PORT", "54329"),
        # As in the shop's own settings: one persistent connection per gthread thread.
        "CONN_MAX_AGE": 60,
    }
}

# Only the seeding and the Locust login hash passwords: keep that cheap.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
