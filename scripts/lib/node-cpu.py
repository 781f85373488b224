#!/usr/bin/env python3
# Where a local cluster's CPU goes: polls every `distnn … node` process whose command line holds MARK (e.g. the seed's
# 127.0.0.1:PORT) every 0.25 s until they have all exited, then prints each node's CPU-seconds (user + system, from
# /proc/PID/task/*/stat), split by thread name (compute, data-plane receive, JIT, thread pool, …).
#   scripts/lib/node-cpu.py MARK [OUT]      (OUT: also write the table there)
import collections
import os
import re
import sys
import time

mark = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else None
tick = os.sysconf('SC_CLK_TCK')
roles = {}
threads = {}  # (pid, tid) -> (name, ticks): the last value seen, kept after the thread ends
seen = False
started = time.time()
deadline = started + 900


def read_stat(path):
    text = open(path).read()
    name = text[text.index('(') + 1:text.rindex(')')]
    fields = text[text.rindex(')') + 2:].split()
    return name, int(fields[11]) + int(fields[12])


while time.time() < deadline:
    alive = False
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            cmd = open(f'/proc/{pid}/cmdline').read().split('\0')
        except OSError:
            continue
        if 'node' not in cmd or not any('distnn' in c for c in cmd) or not any(mark in c for c in cmd):
            continue
        if pid not in roles:
            role = cmd[cmd.index('--role') + 1] if '--role' in cmd else '?'
            roles[pid] = cmd[cmd.index('--name') + 1] if '--name' in cmd else role
        alive = seen = True
        try:
            for tid in os.listdir(f'/proc/{pid}/task'):
                try:
                    threads[(pid, tid)] = read_stat(f'/proc/{pid}/task/{tid}/stat')
                except OSError:
                    pass
        except OSError:
            pass
    if (seen and not alive) or (not seen and time.time() > started + 60):
        break
    time.sleep(0.25)

per_node = collections.defaultdict(collections.Counter)
for (pid, _), (name, ticks) in threads.items():
    per_node[roles[pid]][re.sub(r'[-_ ]?\d+$', '', name)] += ticks
lines = []
total = sum(sum(c.values()) for c in per_node.values())
for node in sorted(per_node):
    counts = per_node[node]
    top = ', '.join(f'{n} {t / tick:.1f}' for n, t in counts.most_common(6) if t >= tick // 10)
    lines.append(f'  {node}: {sum(counts.values()) / tick:.1f} CPU-s ({top})')
lines.append(f'  all nodes: {total / tick:.1f} CPU-s')
print('\n'.join(lines))
if out:
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
