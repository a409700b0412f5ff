"""Settings for the standalone reports service (served by waitress)."""
from .settings import *  # noqa: F401,F403

ROOT_URLCONF = "shop.urls_reports"
WSGI_APPLICATION = "shop.wsgi_reports.application"
