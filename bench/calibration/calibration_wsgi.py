"""WSGI entry point for gunicorn: ``gunicorn calibration_wsgi:application``."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calibration_settings")

application = get_wsgi_application()
