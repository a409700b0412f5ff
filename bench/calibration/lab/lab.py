#!/usr/bin/python3
"""
The calibration lab (manual benchmark, not part of the tests or CI): starts PostgreSQL 15 and
Redis on 127.0.0.1, seeds the lab tables, measures every endpoint with ONE connection under
each worker class (CPU of the app, the DB backends and wrk from /proc), measures the cost of a
new DB connection and the machine's context-switch loss, then loads each server with wrk
(closed loop, zero think time) at 1, 8 and 32 connections and records every point with the
load average. Everything it started is stopped at the end.

    sudo bench/calibration/lab/lab.py [--quick] [--out DIR]

--quick: 1 s per point and a subset of the matrix (a smoke test of the harness, ~2 minutes).
Then `lab_compare.py DIR` builds the scenarios from the single-user measurements only and
compares them with the points.
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import procstat  # noqa: E402

PY = "/usr/bin/python3"
PGBIN = "/usr/lib/postgresql/15/bin"
PG_PORT = 54339
REDIS_PORT = 63799
APP_PORT = 8199
ENDPOINTS = ["cpu", "n1", "sr", "sleep", "lock", "cache"]
DB_ENDPOINTS = ["n1", "sr", "lock", "cache"]

# name, worker class, workers, threads, CONN_MAX_AGE, endpoints, mixes
SERVERS = [
    ("sync-2", "sync", 2, 1, 60, ENDPOINTS, []),
    ("sync-4", "sync", 4, 1, 60, ENDPOINTS, []),
    ("gthread-2x4", "gthread", 2, 4, 60, ENDPOINTS, [("hol", {"lock": 6, "sr": 2}), ("hol", {"lock": 24, "sr": 8})]),
    ("gevent-2", "gevent", 2, 1, 60, ENDPOINTS, [("unfair", {"cpu": 4, "sr": 4}), ("unfair", {"cpu": 16, "sr": 16})]),
    ("uvicorn-2", "uvicorn", 2, 1, 60, ENDPOINTS, []),
    ("sync-2-cma0", "sync", 2, 1, 0, DB_ENDPOINTS, []),
    ("gthread-2x4-cma0", "gthread", 2, 4, 0, DB_ENDPOINTS, []),
]
CONCURRENCY = [1, 8, 32]


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


class Stack:
    """PostgreSQL and Redis in a temporary directory; stopped and removed by close()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="djperf-lab-")
        self.pgdata = os.path.join(self.dir, "pg")
        os.mkdir(self.pgdata)
        shutil.chown(self.dir, "postgres", "postgres")
        shutil.chown(self.pgdata, "postgres", "postgres")
        self.redis = None

    def start(self):
        su = "su postgres -c %s"
        sh(su % repr("%s/initdb -D %s -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null" % (PGBIN, self.pgdata)))
        opts = "-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200" % (PG_PORT, self.pgdata)
        sh(su % repr("%s/pg_ctl -D %s -l %s/server.log -w start -o \"%s\" >/dev/null" % (PGBIN, self.pgdata, self.pgdata, opts)))
        psql = "su postgres -c \"psql -X -q -h 127.0.0.1 -p %d -U postgres -c '%%s'\"" % PG_PORT
        sh(psql % "CREATE ROLE lab LOGIN")
        sh(psql % "CREATE DATABASE lab OWNER lab")
        self.redis = subprocess.Popen(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL)
        time.sleep(0.5)

    def postmaster(self):
        with open(os.path.join(self.pgdata, "postmaster.pid")) as f:
            return int(f.readline())

    def close(self):
        if self.redis and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait()
        if os.path.exists(os.path.join(self.pgdata, "postmaster.pid")):
            subprocess.run("su postgres -c %s" % repr("%s/pg_ctl -D %s -m fast -w stop >/dev/null" % (PGBIN, self.pgdata)), shell=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def env(cma, gevent=False):
    e = dict(os.environ, PYTHONPATH=HERE, DJANGO_SETTINGS_MODULE="lab_settings", LAB_PG_PORT=str(PG_PORT),
             LAB_REDIS_PORT=str(REDIS_PORT), LAB_CONN_MAX_AGE=str(cma))
    if gevent:
        e["LAB_GEVENT"] = "1"
    return e


class Server:
    def __init__(self, cls, workers, threads, cma):
        args = ["/usr/bin/gunicorn", "-w", str(workers), "-b", "127.0.0.1:%d" % APP_PORT, "--log-level", "warning",
                "--timeout", "60", "--backlog", "2048"]
        if cls == "uvicorn":
            args += ["-k", "uvicorn.workers.UvicornWorker", "lab_asgi:application"]
        else:
            args += ["-k", cls, "lab_wsgi:application"]
            if cls == "gthread":
                args += ["--threads", str(threads)]
        self.p = subprocess.Popen(args, cwd=HERE, env=env(cma, cls == "gevent"))
        for _ in range(100):
            time.sleep(0.1)
            if subprocess.run(["curl", "-sf", "-o", "/dev/null", "http://127.0.0.1:%d/sr/" % APP_PORT]).returncode == 0:
                break
        else:
            raise SystemExit("server %s did not start" % cls)

    def cpu(self):
        return procstat.tree_cpu(self.p.pid)

    def close(self):
        self.p.terminate()
        self.p.wait()


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text):
    def dur(v):
        m = re.match(r"([0-9.]+)(us|ms|s|m)$", v)
        return float(m.group(1)) * UNITS[m.group(2)] if m else None
    out = {}
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    out["throughput"] = float(m.group(1)) if m else 0.0
    m = re.search(r"^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
    if m:
        out["mean"], out["max"] = dur(m.group(1)), dur(m.group(3))
    for p, v in re.findall(r"^\s*(50|75|90|99)%\s+(\S+)", text, re.M):
        out["p" + p] = dur(v)
    m = re.search(r"^\s*([0-9]+) requests in ([0-9.]+)s", text, re.M)
    out["requests"] = int(m.group(1)) if m else 0
    out["seconds"] = float(m.group(2)) if m else 0.0
    errs = 0
    m = re.search(r"Non-2xx or 3xx responses:\s*([0-9]+)", text)
    if m:
        errs += int(m.group(1))
    m = re.search(r"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)", text)
    if m:
        errs += sum(int(x) for x in m.groups())
    out["errors"] = errs
    return out


def wrk_cmd(path, conns, seconds):
    threads = 1 if conns == 1 else 2
    return ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % seconds, "--timeout", "10s", "--latency",
            "http://127.0.0.1:%d/%s/" % (APP_PORT, path)]


def run_point(stack, server, loads, seconds, warm):
    """loads: {endpoint: connections}; one wrk per endpoint, all at once. Returns per-endpoint stats and CPU."""
    if warm:
        ws = [subprocess.Popen(wrk_cmd(e, c, warm), stdout=subprocess.DEVNULL) for e, c in loads.items()]
        for w in ws:
            w.wait()
    la0 = procstat.loadavg()
    pm = stack.postmaster()
    app0, db0, rd0 = server.cpu(), procstat.tree_cpu(pm), procstat.tree_cpu(stack.redis.pid)
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    tot0, idle0 = procstat.machine()
    procs = {e: subprocess.Popen(wrk_cmd(e, c, seconds), stdout=subprocess.PIPE, text=True) for e, c in loads.items()}
    outs = {e: p.communicate()[0] for e, p in procs.items()}
    tot1, idle1 = procstat.machine()
    ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    app1, db1, rd1 = server.cpu(), procstat.tree_cpu(pm), procstat.tree_cpu(stack.redis.pid)
    wrk_cpu = (ch1.ru_utime + ch1.ru_stime) - (ch0.ru_utime + ch0.ru_stime)
    busy = (tot1 - tot0) - (idle1 - idle0)
    span = (tot1 - tot0) / (os.cpu_count() or 1)
    ours = (app1 - app0) + (db1 - db0) + (rd1 - rd0) + wrk_cpu
    stats = {e: parse_wrk(t) for e, t in outs.items()}
    return {
        "loads": loads, "seconds": seconds, "stats": stats, "wrk": outs,
        "loadavg_before": la0, "loadavg_after": procstat.loadavg(),
        "cpu_s": {"app": app1 - app0, "db": db1 - db0, "redis": rd1 - rd0, "wrk": wrk_cpu},
        "machine_busy_cores": busy / span if span else None,
        "other_cores": (busy - ours) / span if span else None,
        "requests": sum(s["requests"] for s in stats.values()),
    }


def spinners():
    """One idle-priority busy loop per core: no core goes idle, and any normal thread preempts
    them at once (SCHED_IDLE). Stop them with stop_spinners before the next run_point, so their
    CPU is not counted as wrk's (RUSAGE_CHILDREN counts reaped children)."""
    code = "import os\nos.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\nwhile True: pass"
    return [subprocess.Popen([PY, "-c", code]) for _ in range(os.cpu_count() or 1)]


def stop_spinners(ps):
    for p in ps:
        p.kill()
    for p in ps:
        p.wait()


def cso_bench(seconds):
    """Work rate of k CPU-bound Python processes on this machine, k = cores, 2x, 4x cores."""
    code = "import time,sys\nt=time.time()+%f\nn=0\nwhile time.time()<t:\n  for i in range(1000): pass\n  n+=1\nprint(n)" % seconds
    cores = os.cpu_count() or 1
    out, switches = {}, {}
    for k in (cores, 2 * cores, 4 * cores):
        ps = [subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(k)]
        out[k] = sum(int(p.stdout.read()) for p in ps) / seconds
        # Involuntary context switches of the benchmark processes (the wake cost's denominator).
        switches[k] = sum(os.wait4(p.pid, 0)[2].ru_nivcsw for p in ps)
    return {"cores": cores, "seconds": seconds, "rate_by_processes": out, "switches_by_processes": switches,
            "loadavg": procstat.loadavg()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "..", "results", "lab"))
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    t_start = time.time()
    secs = {1: 3, 8: 5, 32: 5} if not a.quick else {1: 1, 8: 1, 32: 1}
    warm = 1
    measure_s = 4 if not a.quick else 1
    servers = SERVERS if not a.quick else [SERVERS[0], SERVERS[3], SERVERS[5]]
    stack = Stack()
    result = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": a.quick, "cores": os.cpu_count(),
              "warmupS": warm, "views": {"cpu_loop": 120000, "sleep_ms": 30, "lock_hold_ms": 8, "cache_ttl_s": 1}}
    try:
        stack.start()
        subprocess.run([PY, os.path.join(HERE, "seed_lab.py")], env=env(60), check=True)
        log("cso bench")
        result["cso"] = cso_bench(2 if not a.quick else 0.5)
        log("connect cost")
        out = subprocess.run([PY, os.path.join(HERE, "connect_cost.py"), str(stack.postmaster())], env=env(0),
                             check=True, capture_output=True, text=True).stdout
        result["connect"] = json.loads(out)
        single, single_warm, points = {}, {}, []
        measured = set()
        for name, cls, workers, threads, cma, eps, mixes in servers:
            log("server", name)
            srv = Server(cls, workers, threads, cma)
            try:
                key = cls if cma != 0 else cls + "-cma0"
                if key not in measured:
                    # Single-user measurements of each endpoint under this worker class (and, for
                    # CONN_MAX_AGE = 0, once more: a fresh backend per request costs more than its connect).
                    measured.add(key)
                    single[key], single_warm[key] = {}, {}
                    for e in (ENDPOINTS if cma != 0 else eps):
                        single[key][e] = run_point(stack, srv, {e: 1}, measure_s, warm)
                        s = single[key][e]
                        log("  single", key, e, "%.1f req/s" % s["stats"][e]["throughput"], "app %.2f ms/req" % (1000 * s["cpu_s"]["app"] / max(1, s["requests"])))
                        # The same with the cores kept out of idle: the CPU per request without
                        # the cost of waking idle cores and threads (machine.idleWakeCostMs).
                        sp = spinners()
                        try:
                            single_warm[key][e] = run_point(stack, srv, {e: 1}, measure_s, warm)
                        finally:
                            stop_spinners(sp)
                        s = single_warm[key][e]
                        log("  warm  ", key, e, "app %.2f ms/req" % (1000 * s["cpu_s"]["app"] / max(1, s["requests"])))
                for c in CONCURRENCY:
                    for e in eps:
                        p = run_point(stack, srv, {e: c}, secs[c], warm)
                        p.update(server=name, workerClass=cls, workers=workers, threads=threads, connMaxAge=cma, kind=e, concurrency=c)
                        points.append(p)
                        log("  %-5s c=%-2d %7.1f req/s p99 %7.1f ms  load %s other %.2f cores" % (
                            e, c, p["stats"][e]["throughput"], p["stats"][e].get("p99") or 0, p["loadavg_before"].split()[0], p["other_cores"] or 0))
                for kind, loads in mixes:
                    p = run_point(stack, srv, loads, secs[32], warm)
                    p.update(server=name, workerClass=cls, workers=workers, threads=threads, connMaxAge=cma, kind=kind, concurrency=sum(loads.values()))
                    points.append(p)
                    log("  %s %s" % (kind, " ".join("%s: %.1f req/s p99 %.1f" % (e, s["throughput"], s.get("p99") or 0) for e, s in p["stats"].items())))
            finally:
                srv.close()
        result["single"] = single
        result["single_warm"] = single_warm
        result["points"] = points
    finally:
        stack.close()
    result["wall_s"] = time.time() - t_start
    path = os.path.join(a.out, "lab-quick.json" if a.quick else "lab.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    log("wrote", path, "in %.0f s" % result["wall_s"])


if __name__ == "__main__":
    main()
