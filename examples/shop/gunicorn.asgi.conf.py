"""
Canary deployment of the ASGI entry point (5 % of the traffic):
``gunicorn -c gunicorn.asgi.conf.py``.  Serves the same URLconf as the
gthread deployment, sync views included.
"""

wsgi_app = "shop.asgi:application"
bind = "0.0.0.0:8001"

worker_class = "uvicorn.workers.UvicornWorker"  # expect: DJP603
workers = 2
timeout = 120
graceful_timeout = 30

accesslog = "-"
errorlog = "-"
