#!/usr/bin/env python3
# How a local cluster's data plane runs: polls every 0.5 s until the `distnn … node` processes whose command line holds
# MARK have exited, then prints the most connections seen at once on a ps node's Unix domain socket (distnn-dp-PID-…, the
# ones its clients opened; from /proc/net/unix) and, per node, its threads' context switches (voluntary + involuntary,
# the last value seen of each thread) — with SAMPLES, per sample: a wake-up is what a transport can add or save.
#   scripts/lib/local-socket-count.py MARK [SAMPLES]
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc_cpu import cluster_nodes

mark = sys.argv[1]
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 0
most, seen, started = 0, False, time.time()
switches = {}  # (node, pid, tid) -> context switches, the last value seen


def thread_switches(pid, tid):
    with open(f'/proc/{pid}/task/{tid}/status') as f:
        return sum(int(line.split()[1]) for line in f if 'ctxt_switches' in line)


while time.time() < started + 900:
    nodes = cluster_nodes(mark)
    seen = seen or bool(nodes)
    for pid, name in nodes.items():
        try:
            for tid in os.listdir(f'/proc/{pid}/task'):
                try:
                    switches[(name, pid, tid)] = thread_switches(pid, tid)
                except OSError:
                    pass
        except OSError:
            pass
    ps = [pid for pid, name in nodes.items() if name.startswith('ps')]
    if ps:
        with open('/proc/net/unix') as f:
            rows = [line.split() for line in f.readlines()[1:]]
        # Columns: Num RefCount Protocol Flags Type St Inode [Path]; St 03 = connected.
        now = sum(1 for r in rows if len(r) > 7 and r[5] == '03' and any(f'distnn-dp-{pid}-' in r[7] for pid in ps))
        most = max(most, now)
    if (seen and not nodes) or (not seen and time.time() > started + 60):
        break
    time.sleep(0.5)
by_node = collections.Counter()
for (name, _, _), n in switches.items():
    by_node[name] += n
total = sum(by_node.values())
per = (lambda n: f' ({n / samples:.2f} per sample)') if samples else (lambda n: '')
print(f'{most} connection(s) at once over the ps node\'s local socket; context switches: '
      + ', '.join(f'{node} {n}{per(n)}' for node, n in sorted(by_node.items())) + f', all {total}{per(total)}')
