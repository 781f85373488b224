#!/usr/bin/env python3
# How many data-plane connections of a local cluster run over the ps nodes' Unix domain sockets: polls /proc/net/unix
# every 0.5 s until the `distnn … node` processes whose command line holds MARK have exited, and prints the most
# connections seen at once on a socket named after a ps node's pid (distnn-dp-PID-…), the ones its clients opened.
#   scripts/lib/local-socket-count.py MARK
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc_cpu import cluster_nodes

mark = sys.argv[1]
most, seen, started = 0, False, time.time()
while time.time() < started + 900:
    ps = [pid for pid, name in cluster_nodes(mark).items() if name.startswith('ps')]
    alive = bool(cluster_nodes(mark))
    seen = seen or alive
    if ps:
        with open('/proc/net/unix') as f:
            rows = [line.split() for line in f.readlines()[1:]]
        # Columns: Num RefCount Protocol Flags Type St Inode [Path]; St 03 = connected.
        now = sum(1 for r in rows if len(r) > 7 and r[5] == '03' and any(f'distnn-dp-{pid}-' in r[7] for pid in ps))
        most = max(most, now)
    if (seen and not alive) or (not seen and time.time() > started + 60):
        break
    time.sleep(0.5)
print(most)
