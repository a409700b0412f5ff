"""
ASGI entry point, served by the uvicorn canary (gunicorn.asgi.conf.py).

The plan is to move all traffic here once the SynchronousOnlyOperation
errors of the async views are gone.
"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
# Silences SynchronousOnlyOperation until the async views are cleaned up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # expect: DJP408

application = get_asgi_application()
