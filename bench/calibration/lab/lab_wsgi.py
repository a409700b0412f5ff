import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab_settings")
if os.environ.get("LAB_GEVENT") == "1":
    # gunicorn's gevent worker patches the standard library; psycopg2 needs its own wait callback.
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
