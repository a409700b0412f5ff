"""Settings of the calibration lab: PostgreSQL and Redis on 127.0.0.1, no middleware beyond the common one."""
import os

SECRET_KEY = "djperf-lab-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "lab_urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "labapp"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
USE_TZ = True
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "lab",
        "USER": "lab",
        "HOST": "127.0.0.1",
        "PORT": os.environ.get("LAB_PG_PORT", "54339"),
        "CONN_MAX_AGE": int(os.environ.get("LAB_CONN_MAX_AGE", "60")),
    }
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
