"""WSGI entry point of the reports service (served by waitress, see serve_waitress.py)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings_reports")

application = get_wsgi_application()
