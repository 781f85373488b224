#!/usr/bin/env python3
"""`perf script -F pid,tid,comm,ip,sym` of a cpu-clock profile of a sample per ms (`-c 1000000`) on standard input -> the compute threads' (and
a bench's main thread's) samples per batch by function. Jitted code that perf cannot name (the runtime maps it through
a deleted memfd, so perf does not look in the perf map) is named from the runtime's perf-PID.map (DOTNET_PerfMapEnabled=1) in the
temporary directory (or DOTNET_PerfMapJitDumpPath).

    perf script … | thread-profile.py BATCHES_IN_THE_WINDOW"""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perfmap import jitted_name  # noqa: E402

per = float(sys.argv[1])


def name(pid, ip, sym):
    if sym and sym != "[unknown]":
        return sym
    return jitted_name(pid, ip) or "[unknown]"


by = collections.defaultdict(collections.Counter)
for line in sys.stdin:
    m = re.match(r"\s*(.+?)\s+(\d+)/(\d+)\s+([0-9a-f]+)\s*(.*)$", line.rstrip())
    if not m:
        continue
    comm, pid, tid, ip, sym = m.groups()
    if not comm.startswith(("distnn.compute", "DistNN compute", "dotnet")):
        continue
    by[f"{comm}-{tid} (pid {pid})"][name(pid, int(ip, 16), sym.strip())] += 1
for t, c in sorted(by.items(), key=lambda kv: -sum(kv[1].values())):
    n = sum(c.values())
    if n < 300:
        continue
    print(f"{t}: {n} samples, {n / per:.2f} ms per batch (a sample per CPU-ms); functions, ms per batch:")
    for s, k in c.most_common(14):
        print(f"   {k / per:7.3f}  {s[:120]}")
