"""gunicorn settings of the storefront: ``gunicorn -c gunicorn.conf.py``."""

wsgi_app = "shop.wsgi:application"
bind = "0.0.0.0:8000"

# Threads are cheap and most endpoints wait on Postgres, the warehouse
# webhook or the species recognition API.
worker_class = "gthread"  # expect: DJP602
workers = 3
threads = 3  # expect: DJP604
# Kill stuck workers fast so the load balancer fails over.
timeout = 10  # expect: DJP606
graceful_timeout = 30
keepalive = 5

max_requests = 2000
max_requests_jitter = 200

accesslog = "-"
errorlog = "-"
loglevel = "info"
