"""
Runs Locust headless against the running gunicorn and accounts for the CPU it used:
gunicorn workers (each), PostgreSQL (postmaster, backends and reaped children), Locust itself
and the whole machine (/proc/stat), plus pg_stat_statements per request. Bounded: Locust runs
for --time and is killed if it has not exited 60 s later.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")


def proc_times(pid, children_too=False):
    """utime+stime (+ cutime+cstime of reaped children) in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    t = int(fields[11]) + int(fields[12])
    if children_too:
        t += int(fields[13]) + int(fields[14])
    return t / TICK


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return out


def machine():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) / TICK, idle / TICK


def wait_quiet(threshold=0.15, max_wait=90, window=2.0):
    """Other sessions share this machine: wait (up to max_wait s) until it is nearly idle.
    Returns the busy fraction of the last window."""
    deadline = time.monotonic() + max_wait
    while True:
        t0, i0 = machine()
        time.sleep(window)
        t1, i1 = machine()
        busy = 1 - (i1 - i0) / max(t1 - t0, 1e-9)
        if busy < threshold or time.monotonic() > deadline:
            return busy


def snapshot(gunicorn_pid, postmaster_pid):
    workers = {w: proc_times(w) for w in children(gunicorn_pid)}
    pg = proc_times(postmaster_pid, children_too=True) + sum(proc_times(c) for c in children(postmaster_pid))
    total, idle = machine()
    return {"t": time.monotonic(), "workers": workers, "master": proc_times(gunicorn_pid), "postgres": pg,
            "total": total, "idle": idle}


def pgss(pg, reset=False):
    with pg.cursor() as cur:
        if reset:
            cur.execute("SELECT pg_stat_statements_reset()")
            return None
        cur.execute("SELECT coalesce(sum(calls), 0), coalesce(sum(total_plan_time + total_exec_time), 0) "
                    "FROM pg_stat_statements WHERE userid = 'shop'::regrole AND query NOT LIKE 'SELECT 1 FROM ONLY%%' "
                    "AND query NOT IN ('BEGIN', 'COMMIT')")
        return cur.fetchone()


def stats_rows(prefix):
    with open(prefix + "_stats.csv") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, required=True)
    ap.add_argument("--time", required=True)
    ap.add_argument("--gunicorn-pid", type=int, required=True)
    ap.add_argument("--pgdata", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    port = os.environ.get("CALIB_APP_PORT", "8099")
    with open(os.path.join(a.pgdata, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    pg = psycopg2.connect(host="127.0.0.1", port=os.environ.get("CALIB_PG_PORT", "54329"), dbname="shop", user="postgres")
    pg.autocommit = True
    cmd = ["/usr/bin/locust", "-f", os.path.join(HERE, "locustfile.py"), "--headless", "-u", str(a.users),
           "-r", str(a.users), "-t", a.time, "--stop-timeout", "5", "--csv", a.csv, "--only-summary",
           "--loglevel", "WARNING", "--host", "http://127.0.0.1:%s" % port]
    if a.users > 1:
        cmd.append("--reset-stats")
    seconds = float(a.time.rstrip("s"))
    idle_before = wait_quiet()
    pgss(pg, reset=True)
    before = snapshot(a.gunicorn_pid, postmaster)
    totals_path = a.out + ".totals.tmp"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=dict(os.environ, CALIB_LOCUST_TOTALS=totals_path))
    deadline = time.monotonic() + seconds + 60
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    after = snapshot(a.gunicorn_pid, postmaster)
    calls, server_ms = pgss(pg)
    locust_cpu = usage.ru_utime + usage.ru_stime
    for suffix in ("_stats_history.csv", "_exceptions.csv"):
        if os.path.exists(a.csv + suffix):
            os.remove(a.csv + suffix)
    with open(totals_path) as f:
        totals = json.load(f)
    os.remove(totals_path)
    rows = stats_rows(a.csv)
    agg = next(r for r in rows if r["Name"] == "Aggregated")
    n = int(agg["Request Count"])
    wall = after["t"] - before["t"]
    workers = {str(w): after["workers"].get(w, 0) - t for w, t in before["workers"].items()}
    gunicorn_cpu = sum(workers.values()) + after["master"] - before["master"]
    pg_cpu = after["postgres"] - before["postgres"]
    busy = (after["total"] - before["total"]) - (after["idle"] - before["idle"])
    out = {
        "users": a.users, "locust_time": a.time, "wall_s": wall, "cores": os.cpu_count(),
        "locust_exit_code": proc.returncode, "requests_in_stats": n, "failures": int(agg["Failure Count"]),
        "requests_total": totals["requests"], "per_endpoint_requests_total": totals["endpoints"],
        "machine_busy_before_start": idle_before,
        "cpu_s": {"gunicorn_workers": workers, "gunicorn_total": gunicorn_cpu, "postgres": pg_cpu,
                  "locust": locust_cpu, "machine_busy": busy,
                  "other_processes": busy - gunicorn_cpu - pg_cpu - locust_cpu},
        "utilisation_of_all_cores": {"gunicorn": gunicorn_cpu / wall / os.cpu_count(),
                                     "postgres": pg_cpu / wall / os.cpu_count(),
                                     "locust": locust_cpu / wall / os.cpu_count(),
                                     "other_processes": (busy - gunicorn_cpu - pg_cpu - locust_cpu) / wall / os.cpu_count(),
                                     "machine": busy / (after["total"] - before["total"])},
        "pgss": {"statements": int(calls), "server_ms": float(server_ms)},
        "note": "cpu_s and pgss cover the whole Locust process (with ramp-up and stop); requests_total counts "
                "every request, requests_in_stats what *_stats.csv holds (after --reset-stats when users > 1, "
                "and without the last second, which Locust does not rewrite)",
    }
    if a.users == 1:
        n = totals["requests"]  # every request the CPU figures cover (no --reset-stats at 1 user)
        out["per_request_ms"] = {"gunicorn_cpu": gunicorn_cpu * 1e3 / n, "postgres_cpu": pg_cpu * 1e3 / n,
                                 "locust_cpu": locust_cpu * 1e3 / n, "pgss_server": float(server_ms) / n,
                                 "cycle": wall * 1e3 / n}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps({k: out[k] for k in ("requests_in_stats", "failures", "utilisation_of_all_cores")}
                     | ({"per_request_ms": out["per_request_ms"]} if "per_request_ms" in out else {})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
