"""
Pure-Python number crunching for the sales reports (pandas was too heavy
for the reports image).  Everything here is CPU-bound and holds the GIL.
"""
import math
from collections import defaultdict


def rolling_mean(values, window):
    out = []
    total = 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return ordered[int(k)]
    return ordered[lo] * (hi - k) + ordered[hi] * (k - lo)


def pivot(rows, index, column, value):
    table = defaultdict(lambda: defaultdict(float))
    for row in rows:
        table[row[index]][row[column]] += row[value]
    return {key: dict(cols) for key, cols in table.items()}


def bootstrap_ci(values, rounds=2000, seed=7):
    """Bootstrap confidence interval of the mean, with a tiny LCG for repeatability."""
    if not values:
        return (None, None)
    state = seed
    n = len(values)
    means = []
    for _ in range(rounds):
        acc = 0.0
        for _ in range(n):
            state = (1103515245 * state + 12345) & 0x7FFFFFFF
            acc += values[state % n]
        means.append(acc / n)
    return (percentile(means, 0.025), percentile(means, 0.975))
