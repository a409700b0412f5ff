"""CPU accounting from /proc: per-process and per-tree CPU seconds, machine busy time, load average."""
import os

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    """(utime+stime, cutime+cstime, ppid) in seconds, or None when the process is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            parts = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
    return ((int(parts[11]) + int(parts[12])) / TICK, (int(parts[13]) + int(parts[14])) / TICK, int(parts[1]))


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            s = stat(int(d))
            if s and s[2] == pid:
                out.append(int(d))
    return out


def tree_cpu(root):
    """CPU seconds of a process, its live children and its reaped children (exited backends)."""
    s = stat(root)
    if s is None:
        return 0.0
    total = s[0] + s[1]
    for c in children(root):
        cs = stat(c)
        if cs:
            total += cs[0] + cs[1]
    return total


def machine():
    """(total jiffies, idle jiffies) over all cores."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) / TICK, (v[3] + v[4]) / TICK


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().strip()
