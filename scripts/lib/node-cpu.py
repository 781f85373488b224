#!/usr/bin/env python3
# Where a local cluster's CPU goes: polls every `distnn … node` process whose command line holds MARK (e.g. the seed's
# 127.0.0.1:PORT) every 0.25 s until they have all exited, then prints each node's CPU-seconds (user + system, from
# /proc/PID/task/*/stat), split by thread name (compute, data-plane receive, JIT, thread pool, …). With SAMPLES (the
# samples the run trains), also each node's CPU in the training window — from the first to the last 0.75 s in which the
# worker nodes' compute threads kept computing (start-up, joining and the final evaluation fall outside) — in CPU-ms
# per sample; beside the workers' compute, that is what the cluster's runtimes add to the same training.
#   scripts/lib/node-cpu.py MARK [OUT [SAMPLES]]      (OUT: also write the table there; "" for none)
import collections
import os
import re
import sys
import time

from proc_cpu import cluster_nodes, stat as read_stat

mark = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
samples = int(sys.argv[3]) if len(sys.argv) > 3 else 0
tick = os.sysconf('SC_CLK_TCK')
roles = {}
threads = {}  # (pid, tid) -> (name, ticks): the last value seen, kept after the thread ends
snapshots = []  # (time, {node: ticks}, workers' compute ticks)
seen = False
started = time.time()
deadline = started + 900


def is_worker_compute(pid, name):
    return roles[pid].startswith('worker') and name.startswith('distnn.compute')


while time.time() < deadline:
    alive = False
    for pid, name in cluster_nodes(mark).items():
        roles.setdefault(pid, name)
        alive = seen = True
        try:
            for tid in os.listdir(f'/proc/{pid}/task'):
                try:
                    threads[(pid, tid)] = read_stat(f'/proc/{pid}/task/{tid}/stat')
                except OSError:
                    pass
        except OSError:
            pass
    by_node = collections.Counter()
    for (pid, _), (_, ticks) in threads.items():
        by_node[roles[pid]] += ticks
    compute = sum(t for (pid, _), (name, t) in threads.items() if is_worker_compute(pid, name))
    snapshots.append((time.time(), dict(by_node), compute))
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
lines.append(f'  all nodes: {total / tick:.1f} CPU-s' + (f', {1000 * total / tick / samples:.3f} CPU-ms per sample' if samples else ''))

# The training window: a run of 3 polls in a row in which the workers' compute threads gained 3 ticks or more.
active = [snapshots[i][2] - snapshots[i - 1][2] >= 3 for i in range(1, len(snapshots))]
runs = [i for i in range(len(active) - 2) if all(active[i:i + 3])]
if samples and runs:
    first, last = snapshots[runs[0]], snapshots[runs[-1] + 3]
    nodes = sorted(set(last[1]))
    window = {n: (last[1].get(n, 0) - first[1].get(n, 0)) / tick for n in nodes}
    compute = (last[2] - first[2]) / tick
    all_window = sum(window.values())
    lines.append(f'  training window {last[0] - first[0]:.1f} s, CPU-ms per sample (of {samples}): '
                 + ', '.join(f'{n} {1000 * window[n] / samples:.3f}' for n in nodes))
    lines.append(f'  all nodes in the window: {all_window:.1f} CPU-s = {1000 * all_window / samples:.3f} CPU-ms per sample; '
                 f'the workers\' compute threads {1000 * compute / samples:.3f}, the rest {1000 * (all_window - compute) / samples:.3f}')
print('\n'.join(lines))
if out:
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
