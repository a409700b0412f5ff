#!/usr/bin/python3
"""
Builds one simulator scenario per lab point from the SINGLE-USER measurements only (lab.py's
"single" runs at one connection, the connect-cost and context-switch benchmarks), simulates it
with djperf and compares the prediction with the point: throughput within 15 %, p99 within 25 %,
by endpoint kind; and the qualitative effects of issue 19.

    bench/calibration/lab/lab_compare.py results/lab/lab.json [--out results/lab]

Nothing here looks at a multi-user point when building a scenario.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
KINDS = {"cpu": "CPU-bound", "n1": "DB-heavy (N+1)", "sr": "DB-light (1 query)", "sleep": "sleep", "lock": "row lock",
         "cache": "Redis cache"}
NOISY_OTHER_CORES = 0.25  # other processes used more than this share of the machine during the point


def per_request(single, key):
    return 1000.0 * single["cpu_s"][key] / max(1, single["requests"])


def lognormal_cv(p50, p99):
    """CV of a lognormal whose p99/p50 ratio is the measured one (per-request, correlated variability)."""
    if not p50 or not p99 or p99 <= p50:
        return 0.0
    sigma = math.log(p99 / p50) / 2.326
    return math.sqrt(math.exp(sigma * sigma) - 1)


# Linux preempts a CPU-bound thread at a scheduler tick once its slice is used (EEVDF's base
# slice, 0.75 ms x (1 + log2 cores), is shorter than a tick at CONFIG_HZ=250): with more
# runnable threads than cores, one involuntary switch per core per tick. An older lab.json has no
# switch counts; this is the count the kernel makes (checked: 237 switches/s per core with two
# CPU-bound processes per core on the development machine the lab runs on, measured afterwards).
KERNEL_HZ = 250
# response.close() of a JsonResponse with request_finished connected (Django 3.2, /usr/bin/python3,
# an in-memory SQLite connection, the development machine the lab runs on, median of 5 x 20000):
# what connect_cost.py now records as response_tail_ms with the lab's own settings.
RESPONSE_TAIL_MS = 0.06


def wake_cost(c):
    """CPU ms lost per switch: the context-switch benchmark's lost CPU (k = 2 x cores processes
    against k = cores) over its involuntary switches (recorded by lab.py; else one per core per tick)."""
    cores, secs = c["cores"], c.get("seconds", 2)
    rates = {int(k): v for k, v in c["rate_by_processes"].items()}
    k = 2 * cores
    if k not in rates or not rates[cores]:
        return 0.0
    lost_ms = max(0.0, 1 - rates[k] / rates[cores]) * cores * secs * 1000
    switches = c.get("switches_by_processes", {}).get(str(k)) or cores * secs * KERNEL_HZ
    return lost_ms / switches


class Params:
    """Per worker class and endpoint: the numbers of one connection, one request at a time."""

    def __init__(self, lab):
        self.lab = lab
        self.views = lab["views"]
        self.queries = lab["connect"]["queries"]
        c = lab["cso"]
        cores = c["cores"]
        rates = {int(k): v for k, v in c["rate_by_processes"].items()}
        base = rates[cores]
        est = [(base / rates[k] - 1) / (k / cores - 1) for k in rates if k > cores and rates[k] > 0]
        self.cso = max(0.0, sum(est) / len(est)) if est else 0.02
        self.wake = wake_cost(c)
        # Django's work after a response is sent (response.close(): request_finished and
        # close_old_connections), measured by connect_cost.py; an older lab.json lacks it.
        self.response_tail = lab["connect"].get("response_tail_ms", RESPONSE_TAIL_MS)
        con = lab["connect"]
        self.connect_app = max(0.0, con["app_cpu_ms"] - con["select1_cpu_ms"])
        # The DB CPU of a connection is partly on the connect's path (fork, authentication, until the
        # first query answers: the connect's wall time minus its app CPU) and partly after the close
        # (the backend's exit, reaped by the postmaster), which no request waits for.
        wall = max(0.0, con["wall_ms"] - con["select1_wall_ms"])
        db_all = max(0.0, con["db_cpu_ms"])
        self.connect_db = min(db_all, max(0.0, wall - self.connect_app))
        self.disconnect_db = db_all - self.connect_db
        self.connect_wait = max(0.0, wall - self.connect_app - self.connect_db)

    def single(self, cls, e, cma):
        """The one-connection run of endpoint e under this worker class and CONN_MAX_AGE. lab.py
        records CONN_MAX_AGE = 0 ones as "<class>-cma0"; an older lab.json has them only as the
        CONN_MAX_AGE = 0 server's own 1-connection point (the same measurement, one request at a time)."""
        if cma != 0:
            return self.lab["single"][cls][e]
        key = cls + "-cma0"
        if key in self.lab["single"]:
            return self.lab["single"][key][e]
        return next(p for p in self.lab["points"] if p["workerClass"] == cls and p["connMaxAge"] == 0
                    and p["concurrency"] == 1 and p["kind"] == e)

    def one(self, cls, e, cma=60):
        s = self.single(cls, e, cma)
        st = s["stats"][e]
        m = {
            "app": per_request(s, "app"), "db": per_request(s, "db"), "client": per_request(s, "wrk"),
            "mean": st.get("mean") or 0.0, "p50": st.get("p50"), "p99": st.get("p99"),
            # wrk's turnaround: its cycle time at one connection minus the latency it measured.
            "turnaround": max(0.0, 1000.0 * st["seconds"] / max(1, st["requests"]) - (st.get("mean") or 0.0)),
        }
        if cma == 0 and self.queries.get(e, 0) > 0:
            # The endpoint connects on every request: the scenario's connect step (connect_cost.py)
            # is taken out, and what remains is the endpoint's own work on a fresh backend (its
            # queries cost more there: cold catalog caches, first touches of shared buffers).
            m["app"] = max(0.0, m["app"] - self.connect_app)
            m["db"] = max(0.0, m["db"] - self.connect_db - self.disconnect_db)
            m["mean"] = max(0.0, m["mean"] - self.connect_app - self.connect_db - self.connect_wait)
        return m

    def http_rtt(self, cls):
        """Latency of the CPU-bound endpoint beyond its CPU: the HTTP round trip over loopback."""
        m = self.one(cls, "cpu")
        return max(0.0, m["mean"] - m["app"])

    def endpoint(self, cls, e, cma=60):
        """Steps of one endpoint kind: the view's structure, timed by its single-user measurement."""
        m = self.one(cls, e, cma)
        app, db = m["app"], m["db"]
        rest = max(0.0, m["mean"] - app - db - self.http_rtt(cls))
        if e == "cpu":
            steps = [{"cpu": app}]
        elif e in ("n1", "sr"):
            q = max(1, round(self.queries[e]))
            gap = app / (q + 1)
            steps = [{"cpu": gap}, {"repeat": {"times": q, "steps": [{"db": {"ms": db / q}}, {"io": rest / q}, {"cpu": gap}]}}]
        elif e == "sleep":
            sl = self.views["sleep_ms"]
            steps = [{"cpu": app / 2}, {"sleep": max(sl, rest)}, {"cpu": app / 2}]
        elif e == "lock":
            # SELECT ... FOR UPDATE, the hold (sleep), UPDATE, COMMIT: three round trips inside the lock.
            hold = self.views["lock_hold_ms"]
            trip = max(0.0, rest - hold) / 3
            steps = [{"cpu": app / 3}, {"lock": {"key": "stock:1", "steps": [
                {"db": {"ms": db / 3}}, {"io": trip}, {"sleep": hold}, {"cpu": app / 3},
                {"db": {"ms": db / 3}}, {"io": trip}, {"db": {"ms": db / 3}}, {"io": trip}]}}, {"cpu": app / 3}]
        elif e == "cache":
            # Mostly hits: the miss (once a second, the select_related query) is timed by the sr endpoint.
            sr = self.one(cls, "sr", cma)
            sr_rest = max(0.0, sr["mean"] - sr["app"] - sr["db"] - self.http_rtt(cls))
            steps = [{"cpu": app / 2}, {"cache": {"key": "lab:list", "ttlMs": 1000 * self.views["cache_ttl_s"], "miss": [
                {"db": {"ms": sr["db"]}}, {"io": sr_rest}, {"cpu": sr["app"]}]}}, {"cpu": app / 2}]
        else:
            raise ValueError(e)
        return {"name": e, "steps": steps}, m

    def cache_latency(self, cls, cma=60):
        m = self.one(cls, "cache", cma)
        return max(0.0, m["mean"] - m["app"] - self.http_rtt(cls))


def scenario(params, point):
    cls = point["workerClass"]
    loads = point["loads"]
    eps, ms = [], []
    for e in loads:
        ep, m = params.endpoint(cls, e, point["connMaxAge"])
        eps.append(ep)
        ms.append((m, loads[e]))
    users = sum(loads.values())
    wsum = sum(c for _, c in ms)
    client = sum(m["client"] * c for m, c in ms) / wsum
    turnaround = sum(m["turnaround"] * c for m, c in ms) / wsum
    cv = sum(lognormal_cv(m["p50"], m["p99"]) * c for m, c in ms) / wsum
    # The measured app CPU already includes uvicorn's sync_to_async hop.
    server = {"workerClass": cls, "workers": point["workers"], "timeoutMs": None, "hopMs": 0,
              "responseTailMs": params.response_tail}
    if cls == "gthread":
        server["threads"] = point["threads"]
    # The lab's procedure: a 1 s wrk warm-up run, then a fresh wrk run of the point's length.
    warm = params.lab.get("warmupS", 1)
    load = {"type": "closed", "users": users, "durationS": warm + point["seconds"], "warmupS": warm,
            "separateWarmup": True, "keepAlive": True,
            "clientCpuMs": client, "clientTurnaroundMs": turnaround, "clientThreads": (1 if users == 1 else 2) * len(loads)}
    if len(loads) > 1:
        load["groups"] = [{"name": e, "users": c, "thinkMs": 0, "mix": {e: 1}} for e, c in loads.items()]
    db = {"host": "shared", "connMaxAge": point["connMaxAge"], "maxConnections": 200}
    if point["connMaxAge"] == 0:
        db.update(connectAppCpuMs=params.connect_app, connectDbCpuMs=params.connect_db,
                  disconnectDbCpuMs=params.disconnect_db, connectMs=params.connect_wait)
    return {
        "name": "%s %s c=%d" % (point["server"], point["kind"], users), "seed": 1, "load": load, "server": server,
        "machine": {"cores": params.lab["cores"], "contextSwitchOverhead": params.cso, "wakeCostMs": params.wake},
        "db": db, "cache": {"latencyMs": params.cache_latency(cls, point["connMaxAge"])}, "network": {"rttMs": params.http_rtt(cls)},
        "variability": {"requestCv": cv}, "endpoints": eps,
    }


def simulate(s):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(s, f)
    try:
        out = subprocess.run(["node", os.path.join(REPO, "dist", "cli.js"), "simulate", f.name, "--format", "json"],
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out)


def rel(p, m):
    return (p - m) / m if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lab")
    ap.add_argument("--out")
    a = ap.parse_args()
    lab = json.load(open(a.lab))
    out_dir = a.out or os.path.dirname(os.path.abspath(a.lab))
    params = Params(lab)
    rows = []
    for p in lab["points"]:
        s = scenario(params, p)
        r = simulate(s)
        noisy = (p["other_cores"] or 0) > NOISY_OTHER_CORES * lab["cores"]
        for e, st in p["stats"].items():
            pred = (next(g for g in r["groups"] if g["name"] == e) if "groups" in r else r["overall"])
            mt, mp99 = st["throughput"] * (1 - (st["errors"] / st["requests"] if st["requests"] else 0)), st.get("p99")
            rows.append({
                "server": p["server"], "kind": p["kind"], "endpoint": e, "concurrency": p["concurrency"], "connections": p["loads"][e],
                "connMaxAge": p["connMaxAge"], "measured": {"throughput": mt, "mean": st.get("mean"), "p50": st.get("p50"), "p99": mp99, "errors": st["errors"]},
                "predicted": {"throughput": pred["throughput"], "mean": pred["latency"]["mean"], "p50": pred["latency"]["p50"], "p99": pred["latency"]["p99"]},
                "err": {"throughput": rel(pred["throughput"], mt), "p99": rel(pred["latency"]["p99"], mp99) if mp99 else None,
                        "mean": rel(pred["latency"]["mean"], st.get("mean")) if st.get("mean") else None},
                "loadavg": p["loadavg_before"], "other_cores": p["other_cores"], "noisy": noisy,
            })
    summary = summarise(rows)
    effects = qualitative(rows)
    res = {"lab": os.path.basename(a.lab), "params": {"cso": params.cso, "wake_cost_ms": params.wake, "connect_app_cpu_ms": params.connect_app,
           "connect_db_cpu_ms": params.connect_db, "disconnect_db_cpu_ms": params.disconnect_db, "connect_wait_ms": params.connect_wait,
           "response_tail_ms": params.response_tail},
           "summary": summary, "effects": effects, "rows": rows}
    name = "comparison-quick" if lab.get("quick") else "comparison"
    # Strict JSON: a starved group's unbounded p99 is written as null.
    safe = {k: ({e: {m: (None if x == float("inf") else x) for m, x in v.items()} for e, v in res[k].items()} if k == "effects" else res[k]) for k in res}
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(safe, f, indent=1, allow_nan=False)
    md = markdown(res)
    with open(os.path.join(out_dir, name + ".md"), "w") as f:
        f.write(md)
    print(md)


def within(rows, metric, tol):
    xs = [r for r in rows if r["err"][metric] is not None]
    ok = sum(1 for r in xs if abs(r["err"][metric]) <= tol)
    return ok, len(xs)


def summarise(rows):
    groups = {"all points": rows, "quiet points": [r for r in rows if not r["noisy"]],
              "8 and 32 connections": [r for r in rows if r["concurrency"] > 1]}
    for k in list(KINDS) + ["hol", "unfair"]:
        groups["kind " + k] = [r for r in rows if r["kind"] == k]
    out = {}
    for g, rs in groups.items():
        t, n = within(rs, "throughput", 0.15)
        q, m = within(rs, "p99", 0.25)
        out[g] = {"points": len(rs), "throughput_within_15": t, "throughput_n": n, "p99_within_25": q, "p99_n": m}
    return out


def find(rows, server, kind, conc, endpoint=None):
    for r in rows:
        if r["server"] == server and r["kind"] == kind and r["concurrency"] == conc and (endpoint is None or r["endpoint"] == endpoint):
            return r
    return None


def qualitative(rows):
    eff = {}
    a, b = find(rows, "sync-2", "n1", 32), find(rows, "sync-4", "n1", 32)
    if a and b:
        mr = b["measured"]["throughput"] / a["measured"]["throughput"]
        pr = b["predicted"]["throughput"] / a["predicted"]["throughput"]
        eff["4 sync workers vs 2, N+1, 32 connections: throughput ratio"] = {
            "measured": mr, "predicted": pr, "reproduced": (pr < 1) if mr < 1 else "not seen in the lab"}
    for conc in (8, 32):
        sr = find(rows, "gevent-2", "unfair", conc, "sr")
        if sr:
            # Starved in the simulation (no completion in the window) counts as an unbounded p99.
            pred = sr["predicted"]["p99"] if sr["predicted"]["throughput"] > 0 else float("inf")
            meas = sr["measured"]["p99"] if sr["measured"]["throughput"] > 0 else float("inf")
            eff["gevent: the 1-query list next to a CPU-bound view, %d connections: p99 ms" % conc] = {
                "measured": meas, "predicted": pred, "reproduced": bool(meas and pred >= 0.5 * meas)}
        hol = find(rows, "gthread-2x4", "hol", conc, "sr")
        if hol:
            eff["gthread 2x4: the 1-query list behind row-lock waiters, %d connections: p50 ms" % conc] = {
                "measured": hol["measured"]["p50"], "predicted": hol["predicted"]["p50"],
                "reproduced": bool(hol["measured"]["p50"] and 0.5 <= hol["predicted"]["p50"] / hol["measured"]["p50"] <= 2)}
    return eff


def pct(x):
    return "—" if x is None else "%+.0f %%" % (100 * x)


def markdown(res):
    L = ["| group | points | throughput within 15 % | p99 within 25 % |", "|---|---|---|---|"]
    for g, s in res["summary"].items():
        if s["points"] == 0:
            continue
        L.append("| %s | %d | %d / %d (%.0f %%) | %d / %d (%.0f %%) |" % (
            g, s["points"], s["throughput_within_15"], s["throughput_n"], 100 * s["throughput_within_15"] / max(1, s["throughput_n"]),
            s["p99_within_25"], s["p99_n"], 100 * s["p99_within_25"] / max(1, s["p99_n"])))
    L += ["", "| effect | measured | predicted | reproduced |", "|---|---|---|---|"]
    for k, v in res["effects"].items():
        rep = v["reproduced"] if isinstance(v["reproduced"], str) else ("yes" if v["reproduced"] else "no")
        show = lambda x: "starved (no request done)" if x == float("inf") else "%.2f" % (x or 0)  # noqa: E731
        L.append("| %s | %s | %s | %s |" % (k, show(v["measured"]), show(v["predicted"]), rep))
    L += ["", "| server | kind | endpoint | conns | req/s measured / predicted | p99 ms measured / predicted | load avg | other cores |", "|---|---|---|---|---|---|---|---|"]
    for r in res["rows"]:
        L.append("| %s | %s | %s | %d | %.1f / %.1f (%s) | %.0f / %.0f (%s) | %s | %.2f%s |" % (
            r["server"], r["kind"], r["endpoint"], r["connections"], r["measured"]["throughput"], r["predicted"]["throughput"],
            pct(r["err"]["throughput"]), r["measured"]["p99"] or 0, r["predicted"]["p99"], pct(r["err"]["p99"]),
            r["loadavg"].split()[0], r["other_cores"] or 0, " noisy" if r["noisy"] else ""))
    return "\n".join(L) + "\n"


if __name__ == "__main__":
    sys.exit(main())
