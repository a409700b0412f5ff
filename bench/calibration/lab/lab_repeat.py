#!/usr/bin/python3
"""
How well two runs of the calibration lab agree with each other, point by point, with the same
tolerances the simulator is judged by (throughput within 15 %, p99 within 25 %): the noise floor
of the lab on a machine. A model cannot be checked against a lab more closely than the lab
repeats itself.

    bench/calibration/lab/lab_repeat.py FIRST/lab.json SECOND/lab.json [--out FILE.md]

Points are matched by server, endpoint kind, connections and the mix's loads; each endpoint of a
mix counts as one row, as in lab_compare.py.
"""
import argparse
import json


def rows(lab):
    out = {}
    for p in lab["points"]:
        for endpoint, stats in p["stats"].items():
            key = (p["server"], p["kind"], p["concurrency"], json.dumps(p["loads"], sort_keys=True), endpoint)
            out[key] = {"throughput": stats.get("throughput"), "p99": stats.get("p99"), "quiet": p.get("other_cores", 0) <= 0.5}
    return out


def within(a, b, tol):
    return a is not None and b is not None and a > 0 and abs(b - a) / a <= tol


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--out")
    args = ap.parse_args()
    first, second = (rows(json.load(open(f))) for f in (args.first, args.second))
    keys = sorted(set(first) & set(second), key=str)
    groups = {"all points": lambda k: True, "8 and 32 connections": lambda k: k[2] >= 8}
    for kind in sorted({k[1] for k in keys}):
        groups[f"kind {kind}"] = lambda k, kind=kind: k[1] == kind
    for cls in sorted({k[0] for k in keys}):
        groups[f"server {cls}"] = lambda k, cls=cls: k[0] == cls
    lines = ["| group | rows | throughput within 15 % | p99 within 25 % |", "|---|---|---|---|"]
    for name, pick in groups.items():
        ks = [k for k in keys if pick(k) and first[k]["quiet"] and second[k]["quiet"]]
        if not ks:
            continue
        t = sum(within(first[k]["throughput"], second[k]["throughput"], 0.15) for k in ks)
        p = sum(within(first[k]["p99"], second[k]["p99"], 0.25) for k in ks)
        lines.append(f"| {name} | {len(ks)} | {t} / {len(ks)} ({100 * t // len(ks)} %) | {p} / {len(ks)} ({100 * p // len(ks)} %) |")
    lines += ["", "| server | kind | conns | endpoint | req/s first / second | p99 ms first / second |", "|---|---|---|---|---|---|"]
    for k in keys:
        a, b = first[k], second[k]
        if within(a["throughput"], b["throughput"], 0.15) and within(a["p99"], b["p99"], 0.25):
            continue
        lines.append(f"| {k[0]} | {k[1]} | {k[2]} | {k[4]} | {a['throughput']} / {b['throughput']} | {a['p99']} / {b['p99']} |")
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
