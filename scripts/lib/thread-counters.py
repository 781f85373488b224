#!/usr/bin/env python3
"""Per-thread scheduler counters of running processes, from /proc (reads files only, starts nothing).

    thread-counters.py snap OUT PID[=NAME] …     every thread of the PIDs: name, CPU ticks, schedstat (ns on a core,
                                                   ns waiting for one, timeslices), voluntary and involuntary switches
    thread-counters.py diff BEFORE AFTER [--per X] [--perf-stat FILE]
                                                   the difference per thread, grouped by node and thread name (digits
                                                   at the end dropped), per X (e.g. the batches a worker computed in
                                                   the window); with a `perf stat --per-thread -x,` file, its
                                                   task-clock, context switches and migrations per thread too.
Used by scripts/perf-threads.sh."""
import json
import os
import re
import sys

from proc_cpu import stat, thread_kind


def snap(out, specs):
    rows = {}
    for spec in specs:
        pid, _, name = spec.partition("=")
        for tid in os.listdir(f"/proc/{pid}/task"):
            base = f"/proc/{pid}/task/{tid}"
            try:
                comm, ticks = stat(f"{base}/stat")
                with open(f"{base}/schedstat") as f:
                    run, wait, slices = (int(x) for x in f.read().split())
                vol = invol = 0
                with open(f"{base}/status") as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches"):
                            vol = int(line.split()[1])
                        elif line.startswith("nonvoluntary_ctxt_switches"):
                            invol = int(line.split()[1])
            except (OSError, ValueError):
                continue
            rows[tid] = {"node": name or pid, "pid": pid, "comm": comm, "ticks": ticks,
                         "run_ns": run, "wait_ns": wait, "slices": slices, "vol": vol, "invol": invol}
    with open(out, "w") as f:
        json.dump(rows, f)


def perf_stat(path):
    """tid -> {event: value} from `perf stat --per-thread -x,` (lines: COMM-TID,VALUE,UNIT,EVENT,…)."""
    got = {}
    if not path or not os.path.exists(path):
        return got
    for line in open(path):
        f = line.strip().split(",")
        if len(f) < 4 or not re.search(r"-\d+$", f[0]):
            continue
        tid = f[0].rsplit("-", 1)[1]
        try:
            value = float(f[1])
        except ValueError:
            continue
        got.setdefault(tid, {})[f[3]] = value
    return got


def diff(before, after, per, perf_file):
    a, b = json.load(open(before)), json.load(open(after))
    ps = perf_stat(perf_file)
    groups = {}
    for tid, r in b.items():
        p = a.get(tid, {"run_ns": 0, "wait_ns": 0, "slices": 0, "vol": 0, "invol": 0})
        key = (r["node"], thread_kind(r["comm"]))
        g = groups.setdefault(key, {"threads": 0, "run_ms": 0.0, "wait_ms": 0.0, "slices": 0, "vol": 0, "invol": 0,
                                    "perf_ms": 0.0, "perf_cs": 0.0, "perf_mig": 0.0})
        g["threads"] += 1
        g["run_ms"] += (r["run_ns"] - p["run_ns"]) / 1e6
        g["wait_ms"] += (r["wait_ns"] - p["wait_ns"]) / 1e6
        g["slices"] += r["slices"] - p["slices"]
        g["vol"] += r["vol"] - p["vol"]
        g["invol"] += r["invol"] - p["invol"]
        e = ps.get(tid, {})
        g["perf_ms"] += e.get("task-clock", 0.0)
        g["perf_cs"] += e.get("context-switches", 0.0)
        g["perf_mig"] += e.get("cpu-migrations", 0.0)
    print(f"per {per:g} (ms and counts divided by it); run = on a core, wait = runnable but waiting for a core "
          f"(schedstat), vol/invol = voluntary/involuntary switches (status), perf = perf stat task-clock ms, cs, migrations")
    print(f"{'node':<12} {'thread':<18} {'n':>3} {'run':>8} {'wait':>8} {'vol':>7} {'invol':>7} {'perf_ms':>8} "
          f"{'perf_cs':>8} {'mig':>6}")
    totals = {}
    for (node, name), g in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[1]["run_ms"])):
        t = totals.setdefault(node, [0.0, 0.0, 0, 0])
        t[0] += g["run_ms"]; t[1] += g["wait_ms"]; t[2] += g["vol"]; t[3] += g["invol"]
        if g["run_ms"] < 0.001 * per and g["vol"] + g["invol"] == 0:
            continue
        print(f"{node:<12} {name:<18} {g['threads']:>3} {g['run_ms'] / per:>8.3f} {g['wait_ms'] / per:>8.3f} "
              f"{g['vol'] / per:>7.2f} {g['invol'] / per:>7.2f} {g['perf_ms'] / per:>8.3f} {g['perf_cs'] / per:>8.2f} "
              f"{g['perf_mig'] / per:>6.2f}")
    for node, t in sorted(totals.items()):
        print(f"{node:<12} {'(all threads)':<18} {'':>3} {t[0] / per:>8.3f} {t[1] / per:>8.3f} {t[2] / per:>7.2f} "
              f"{t[3] / per:>7.2f}")


def main():
    a = sys.argv[1:]
    if a[0] == "snap":
        snap(a[1], a[2:])
    elif a[0] == "diff":
        per, perf_file = 1.0, None
        rest = a[3:]
        for i in range(0, len(rest), 2):
            if rest[i] == "--per":
                per = float(rest[i + 1])
            elif rest[i] == "--perf-stat":
                perf_file = rest[i + 1]
        diff(a[1], a[2], per, perf_file)


main()
