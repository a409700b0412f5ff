"""Serve the reports service with waitress: ``python serve_waitress.py``."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings_reports")

from waitress import serve  # noqa: E402

from shop.wsgi_reports import application  # noqa: E402

if __name__ == "__main__":
    # The reports are slow, so give them plenty of threads.
    serve(application, host="0.0.0.0", port=int(os.environ.get("PORT", "8081")), threads=16)  # expect: DJP601
