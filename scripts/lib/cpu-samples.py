#!/usr/bin/env python3
"""Samples the CPU time of each `distnn node` process of the loopback cluster whose seed is on PORT, from /proc, without
forking anything (a sampler that starts processes takes CPU from the cluster it measures).

    cpu-samples.py PORT OUT [--metrics FILE] [--while-pid PID] [--seconds S] [--interval 0.2] [--threads NODE]

Every interval, one line to OUT: the time, the lines of the metrics file so far (the epochs finished), and each node's
utime + stime in seconds as name=seconds (the name: --name, else --role). Runs while PID lives, or for S seconds.
--threads NODE: also that node's CPU by thread name (digits at the end dropped), as NODE:thread=seconds.
"""
import os
import re
import sys
import time


def args():
    a = sys.argv[1:]
    opts = {"--metrics": None, "--while-pid": None, "--seconds": None, "--interval": "0.2", "--threads": None}
    port, out = a[0], a[1]
    for i in range(2, len(a), 2):
        opts[a[i]] = a[i + 1]
    return port, out, opts


def nodes(port):
    """pid -> node name of every distnn node process of this cluster."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        words = [w.decode(errors="replace") for w in cmd]
        if not any(w.endswith("distnn.dll") for w in words) or "node" not in words or not any(f"127.0.0.1:{port}" in w for w in words):
            continue
        name = None
        for flag in ("--role", "--name"):
            if flag in words and words.index(flag) + 1 < len(words):
                name = words[words.index(flag) + 1]
        found[int(pid)] = name or pid
    return found


def cpu(pid, tick):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def threads(pid, tick):
    """Thread name -> CPU seconds of the process's live threads."""
    by_name = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                text = f.read()
        except OSError:
            continue
        name = re.sub(r"[-_ ]?\d+$", "", text[text.index("(") + 1:text.rindex(")")]).replace(" ", "_").replace("=", "_")
        fields = text.rsplit(")", 1)[1].split()
        by_name[name] = by_name.get(name, 0) + (int(fields[11]) + int(fields[12])) / tick
    return by_name


def main():
    port, out, opts = args()
    tick = os.sysconf("SC_CLK_TCK")
    interval = float(opts["--interval"])
    end = time.time() + float(opts["--seconds"]) if opts["--seconds"] else None
    watched = int(opts["--while-pid"]) if opts["--while-pid"] else None
    known, last_scan = {}, 0.0
    with open(out, "w") as o:
        while True:
            now = time.time()
            if end is not None and now >= end:
                break
            if watched is not None and not os.path.exists(f"/proc/{watched}"):
                break
            if now - last_scan > 2:  # nodes still joining: look again every 2 s
                known, last_scan = nodes(port), now
            epochs = 0
            if opts["--metrics"] and os.path.exists(opts["--metrics"]):
                with open(opts["--metrics"]) as m:
                    epochs = sum(1 for line in m if line.strip())
            row = []
            for pid, name in list(known.items()):
                try:
                    row.append(f"{name}={cpu(pid, tick)}")
                    if name == opts["--threads"]:
                        row.extend(f"{name}:{t}={v}" for t, v in threads(pid, tick).items())
                except OSError:
                    known.pop(pid, None)
            o.write(f"{now} {epochs} {' '.join(row)}\n")
            o.flush()
            time.sleep(interval)


main()
