"""
Concurrency-1 measurement of the calibrated endpoints, in process (django.test.Client, the
shop's full middleware stack, logged in as ``shopper`` like the Locust users).

For every request: wall time and CPU time (time.process_time) of the whole request, and for
every SQL statement (connection.execute_wrapper) and the transaction commit its wall and CPU
time. For every endpoint: pg_stat_statements (planning + execution time per statement, reset
before the measured requests). Output: JSON (--out) with per-endpoint means, standard
deviations, query counts and the split of a query's time into client CPU, server time and the
rest (loopback round trip, protocol, wake-ups).
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calibration_settings")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from catalog.models import Product  # noqa: E402
from loadrun import machine, wait_quiet  # noqa: E402

ENDPOINTS = [
    # name, method, path (Locust name), url for product id i
    ("product_list_n1", "get", "/products/", lambda i: "/products/"),
    ("product_list_select_related", "get", "/calibration/products-select-related/",
     lambda i: "/calibration/products-select-related/"),
    ("reserve", "post", "/inventory/reserve/[id]/", lambda i: "/inventory/reserve/%d/" % i),
]


class Probe:
    """Times every statement and commit of the default connection."""

    def __init__(self):
        self.queries = []  # (sql, wall_ms, cpu_ms, process_time at the start, in s)
        self.commits = []  # (wall_ms, cpu_ms, process_time at the end, in s)

    def __call__(self, execute, sql, params, many, context):
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, (time.perf_counter() - w0) * 1e3, (time.process_time() - c0) * 1e3, c0))

    def patch_commit(self, conn):
        inner = conn._commit

        def timed_commit():
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                return inner()
            finally:
                c1 = time.process_time()
                self.commits.append(((time.perf_counter() - w0) * 1e3, (c1 - c0) * 1e3, c1))

        conn._commit = timed_commit


def stat_conn():
    db = connections["default"].settings_dict
    conn = psycopg2.connect(host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user="postgres")
    conn.autocommit = True
    return conn


def pgss(conn):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT query, calls, total_plan_time, total_exec_time, stddev_exec_time, mean_exec_time "
            "FROM pg_stat_statements WHERE userid = 'shop'::regrole"
        )
        return cur.fetchall()


def summary(xs):
    return {"mean": statistics.fmean(xs), "sd": statistics.pstdev(xs), "p50": statistics.median(xs),
            "min": min(xs), "max": max(xs)}


def measure(name, method, url, n, warmup, pg):
    client = Client()
    assert client.login(username="shopper", password="shopper")
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    conn = connections["default"]
    probe = Probe()
    conn.ensure_connection()
    probe.patch_commit(conn)
    samples = []
    busy_before = wait_quiet()
    own0, (tot0, idle0) = time.process_time(), machine()
    with conn.execute_wrapper(probe):
        for k in range(warmup + n):
            if k == warmup:
                with pg.cursor() as cur:
                    cur.execute("SELECT pg_stat_statements_reset()")
            probe.queries.clear()
            probe.commits.clear()
            w0, c0 = time.perf_counter(), time.process_time()
            response = getattr(client, method)(url(ids[k % len(ids)]))
            wall, cpu = (time.perf_counter() - w0) * 1e3, (time.process_time() - c0) * 1e3
            if response.status_code >= 300:
                raise SystemExit("%s: HTTP %d %s" % (name, response.status_code, response.content[:200]))
            if k >= warmup:
                # CPU between the start of the SELECT ... FOR UPDATE and the end of the commit: the lock hold
                locked = [q[3] for q in probe.queries if "FOR UPDATE" in q[0]]
                cpu_in_lock = (probe.commits[-1][2] - locked[0]) * 1e3 if locked and probe.commits else 0.0
                samples.append({
                    "cpu_in_lock": cpu_in_lock,
                    "queries_before_lock": probe.queries.index(next(q for q in probe.queries if "FOR UPDATE" in q[0])) if locked else None,
                    "wall": wall, "cpu": cpu, "queries": len(probe.queries),
                    "q_wall": sum(q[1] for q in probe.queries), "q_cpu": sum(q[2] for q in probe.queries),
                    "commit_wall": sum(c[0] for c in probe.commits), "commit_cpu": sum(c[1] for c in probe.commits),
                    "commits": len(probe.commits),
                    "sql": [q[0][:70] for q in probe.queries] if k == warmup else None,
                })
    del conn._commit  # back to the class method
    own1, (tot1, idle1) = time.process_time(), machine()
    # CPU of everything else (PostgreSQL and other sessions' processes) while measuring, in cores
    busy = (tot1 - tot0) - (idle1 - idle0)
    span = (tot1 - tot0) / (os.cpu_count() or 1)
    stats = pgss(pg)
    # top-level statements only: the RI checks ("SELECT 1 FROM ONLY ...") run inside the INSERTs
    # and are already part of their execution time
    stmt = [s for s in stats if not s[0].upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SELECT PG_STAT", "SELECT 1 FROM ONLY"))]
    calls = sum(s[1] for s in stmt)
    server_ms = sum(s[2] + s[3] for s in stmt)
    # pooled standard deviation of the execution time over all statements
    second = sum(s[1] * (s[4] ** 2 + s[5] ** 2) for s in stmt) / calls
    exec_mean = sum(s[3] for s in stmt) / calls
    commit_rows = [s for s in stats if s[0].upper().startswith("COMMIT")]
    req = len(samples)
    q = sum(s["queries"] for s in samples)
    out = {
        "name": name,
        "method": method.upper(),
        "requests": req,
        "machine_busy_before_start": busy_before,
        "other_cpu_cores_while_measuring": (busy - (own1 - own0)) / span if span else None,
        "wall_ms": summary([s["wall"] for s in samples]),
        "cpu_ms": summary([s["cpu"] for s in samples]),
        "cpu_in_lock_ms": statistics.fmean(s["cpu_in_lock"] for s in samples),
        "queries_before_lock": samples[0]["queries_before_lock"],
        "queries_per_request": q / req,
        "query_wall_ms": sum(s["q_wall"] for s in samples) / q,
        "query_client_cpu_ms": sum(s["q_cpu"] for s in samples) / q,
        "query_wait_ms": sum(s["q_wall"] - s["q_cpu"] for s in samples) / q,
        "pgss_calls_per_request": calls / req,
        "pgss_server_ms": server_ms / calls,
        "pgss_exec_cv": (max(second - exec_mean ** 2, 0) ** 0.5) / exec_mean if exec_mean else 0,
        "commits_per_request": sum(s["commits"] for s in samples) / req,
        "commit_wait_ms": (sum(s["commit_wall"] - s["commit_cpu"] for s in samples) / max(1, sum(s["commits"] for s in samples))),
        "commit_server_ms": (sum(s[2] + s[3] for s in commit_rows) / max(1, sum(s[1] for s in commit_rows))),
        "unaccounted_ms": statistics.fmean(s["wall"] - s["cpu"] - (s["q_wall"] - s["q_cpu"]) - (s["commit_wall"] - s["commit_cpu"]) for s in samples),
        "sql_of_first_request": samples[0]["sql"],
    }
    return out


def connect_time(n=20):
    conn = connections["default"]
    walls = []
    for _ in range(n):
        conn.close()
        w0 = time.perf_counter()
        conn.ensure_connection()
        with conn.cursor() as cur:  # Django's first cursor may set the time zone
            cur.execute("SELECT 1")
        walls.append((time.perf_counter() - w0) * 1e3)
    return summary(walls)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=50)
    a = ap.parse_args()
    pg = stat_conn()
    results = {
        "django": django.get_version(),
        "postgres": pg.server_version,
        "method": "django.test.Client in one process, one request at a time; times in ms",
        "endpoints": [measure(name, m, url, a.n, a.warmup, pg) for name, m, _, url in ENDPOINTS],
        "connect_ms": connect_time(),
    }
    for (name, _, path, _), e in zip(ENDPOINTS, results["endpoints"]):
        e["path"] = path
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    for e in results["endpoints"]:
        print("%-28s wall %6.2f  cpu %6.2f  queries %5.1f  query wait %.3f (server %.3f)  commit %.3f  rest %.3f" % (
            e["name"], e["wall_ms"]["mean"], e["cpu_ms"]["mean"], e["queries_per_request"], e["query_wait_ms"],
            e["pgss_server_ms"], e["commit_wait_ms"], e["unaccounted_ms"]))


if __name__ == "__main__":
    main()
