"""
Cost of a new DB connection (CONN_MAX_AGE = 0), measured one at a time: app CPU and wall time of
Django's connect plus its first query, and the DB CPU (the postmaster's fork plus the backend's
life, read from the postmaster's reaped-children CPU). Also counts each endpoint's SQL statements per request. Prints JSON; argv[1] = postmaster pid.
"""
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab_settings")
import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402

import procstat  # noqa: E402

pm = int(sys.argv[1])
N = 200
for _ in range(20):  # warm the code paths
    connection.close()
    connection.ensure_connection()
connection.close()
db0, w0, c0 = procstat.tree_cpu(pm), time.perf_counter(), time.process_time()
for _ in range(N):
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    connection.close()
wall, cpu = (time.perf_counter() - w0) * 1000 / N, (time.process_time() - c0) * 1000 / N
time.sleep(0.2)  # let the last backends exit and be reaped
db = (procstat.tree_cpu(pm) - db0) * 1000 / N
# The same SELECT 1 on a kept connection, to subtract the query from the connect cost.
connection.ensure_connection()
w1, c1 = time.perf_counter(), time.process_time()
for _ in range(N):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
qwall, qcpu = (time.perf_counter() - w1) * 1000 / N, (time.process_time() - c1) * 1000 / N
# Statements per request of each endpoint (django.test.Client, one request at a time).
from django.test import Client  # noqa: E402

queries = {}
client = Client()
for name in ("cpu", "n1", "sr", "sleep", "lock", "cache"):
    client.get("/%s/" % name)
    seen = []
    with connection.execute_wrapper(lambda ex, sql, params, many, ctx: seen.append(sql) or ex(sql, params, many, ctx)):
        for _ in range(5):
            client.get("/%s/" % name)
    queries[name] = len(seen) / 5
# Django's work after a response is sent: response.close() runs request_finished
# (close_old_connections). A gevent greenlet reads its keep-alive connection again only after it.
from django.http import JsonResponse  # noqa: E402

tails = []
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(N * 20):
        JsonResponse({"a": 1}).close()
    tails.append((time.perf_counter() - t0) * 1000 / (N * 20))
response_tail = sorted(tails)[2]
print(json.dumps({"queries": queries, "response_tail_ms": response_tail, "wall_ms": wall, "app_cpu_ms": cpu, "db_cpu_ms": db, "select1_wall_ms": qwall, "select1_cpu_ms": qcpu,
                  "loadavg": procstat.loadavg()}))
