#!/usr/bin/env python3
"""Samples the CPU time of each `distnn node` process of the loopback cluster whose seed is on PORT, from /proc, without
forking anything (a sampler that starts processes takes CPU from the cluster it measures).

    cpu-samples.py PORT OUT [--metrics FILE] [--while-pid PID] [--seconds S] [--interval 0.2] [--threads NODE[,NODE…]]

Every interval, one line to OUT: the time, the lines of the metrics file so far (the epochs finished), and each node's
utime + stime in seconds as name=seconds (the name: --name, else --role). Runs while PID lives, or for S seconds.
--threads NODE[,NODE…]: also those nodes' CPU by thread name (digits at the end dropped), as NODE:thread=seconds.
"""
import os
import sys
import time

from proc_cpu import cluster_nodes, stat, thread_kind


def args():
    a = sys.argv[1:]
    opts = {"--metrics": None, "--while-pid": None, "--seconds": None, "--interval": "0.2", "--threads": None}
    port, out = a[0], a[1]
    for i in range(2, len(a), 2):
        opts[a[i]] = a[i + 1]
    return port, out, opts


def threads(pid, tick):
    """Thread name -> CPU seconds of the process's live threads."""
    by_name = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name, ticks = stat(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            continue
        name = thread_kind(name).replace(" ", "_").replace("=", "_")
        by_name[name] = by_name.get(name, 0) + ticks / tick
    return by_name


def main():
    port, out, opts = args()
    tick = os.sysconf("SC_CLK_TCK")
    interval = float(opts["--interval"])
    end = time.time() + float(opts["--seconds"]) if opts["--seconds"] else None
    watched = int(opts["--while-pid"]) if opts["--while-pid"] else None
    traced = set((opts["--threads"] or "").split(",")) - {""}
    known, last_scan = {}, 0.0
    with open(out, "w") as o:
        while True:
            now = time.time()
            if end is not None and now >= end:
                break
            if watched is not None and not os.path.exists(f"/proc/{watched}"):
                break
            if now - last_scan > 2:  # nodes still joining: look again every 2 s
                known, last_scan = cluster_nodes(f"127.0.0.1:{port}"), now
            epochs = 0
            if opts["--metrics"] and os.path.exists(opts["--metrics"]):
                with open(opts["--metrics"]) as m:
                    epochs = sum(1 for line in m if line.strip())
            row = []
            for pid, name in list(known.items()):
                try:
                    row.append(f"{name}={stat(f'/proc/{pid}/stat')[1] / tick}")
                    if name in traced:
                        row.extend(f"{name}:{t}={v}" for t, v in threads(pid, tick).items())
                except OSError:
                    known.pop(pid, None)
            o.write(f"{now} {epochs} {' '.join(row)}\n")
            o.flush()
            time.sleep(interval)


main()
