#!/usr/bin/env python3
# Where a local cluster's CPU goes: polls every `distnn … node` process whose command line holds MARK (e.g. the seed's
# 127.0.0.1:PORT) every 0.25 s until they have all exited, then prints each node's CPU-seconds (user + system, from
# /proc/PID/task/*/stat), split by thread name (compute, data-plane receive, JIT, thread pool, …). With SAMPLES (the
# samples the run trains), also each node's CPU in the training window — from the first to the last 0.75 s in which the
# worker nodes' compute threads kept computing (start-up, joining and the final evaluation fall outside) — in CPU-ms
# per sample; beside the workers' compute, that is what the cluster's runtimes add to the same training.
# With --metrics FILE (the run's --metrics file) and EPOCHS > 1, also the last epoch alone — from the poll that sees the
# line of the epoch before it (the coordinator writes it, then starts the next epoch) to the poll that sees its own: each node's
# CPU-ms per sample by thread, and how many of the cores the run kept busy. --train instead watches a one-process
# `distnn … train` whose command line holds MARK (its compute threads counted as the workers').
#   scripts/lib/node-cpu.py [--train] [--metrics FILE] MARK [OUT [SAMPLES [EPOCHS]]]   (OUT: also write the table there)
import collections
import os
import re
import sys
import time

from proc_cpu import cluster_nodes, stat as read_stat

argv = sys.argv[1:]
command, metrics = 'node', None
while argv and argv[0].startswith('--'):
    if argv[0] == '--train':
        command, argv = 'train', argv[1:]
    elif argv[0] == '--metrics' and len(argv) > 1:
        metrics, argv = argv[1], argv[2:]
    else:
        sys.exit(f'node-cpu.py: unknown option {argv[0]}')
mark = argv[0]
out = argv[1] if len(argv) > 1 and argv[1] else None
samples = int(argv[2]) if len(argv) > 2 else 0
epochs = int(argv[3]) if len(argv) > 3 else 1
tick = os.sysconf('SC_CLK_TCK')
roles = {}
threads = {}  # (pid, tid) -> (name, ticks): the last value seen, kept after the thread ends
snapshots = []  # (time, {node: ticks}, workers' compute ticks, {(node, thread kind): ticks}, epochs finished)
seen = False
started = time.time()
deadline = started + 900


def is_worker_compute(pid, name):
    return (roles[pid].startswith('worker') or roles[pid] == 'train') and name.startswith('distnn.compute')


def kind(name):
    return re.sub(r'[-_ ]?\d+$', '', name)


while time.time() < deadline:
    alive = False
    for pid, name in cluster_nodes(mark, command).items():
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
    by_thread = collections.Counter()
    for (pid, _), (name, ticks) in threads.items():
        by_thread[(roles[pid], kind(name))] += ticks
    finished = 0
    if metrics and os.path.exists(metrics):
        with open(metrics) as m:
            finished = sum(1 for line in m if '"epoch"' in line)
    snapshots.append((time.time(), dict(by_node), compute, by_thread, finished))
    if (seen and not alive) or (not seen and time.time() > started + 60):
        break
    time.sleep(0.25)

per_node = collections.defaultdict(collections.Counter)
for (pid, _), (name, ticks) in threads.items():
    per_node[roles[pid]][kind(name)] += ticks
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

# The last epoch: from the first poll that saw the epoch before it finished to the first that saw it finished (its
# evaluation included, which in one process runs on the compute threads), else to the window's end.
if samples and runs and epochs > 1 and metrics:
    end = next((i for i in range(len(snapshots)) if snapshots[i][4] >= epochs), runs[-1] + 3)
    start = next((i for i in range(end) if snapshots[i][4] >= epochs - 1), None)
    if start is not None and start < end:
        first, last = snapshots[start], snapshots[end]
        per = samples / epochs
        seconds = last[0] - first[0]
        cpu = {k: (last[3].get(k, 0) - first[3].get(k, 0)) / tick for k in last[3]}
        all_cpu = sum(cpu.values())
        compute = (last[2] - first[2]) / tick
        lines.append(f'  last epoch {seconds:.1f} s ({per / seconds:.0f} samples/s over it): {1000 * all_cpu / per:.3f} CPU-ms per '
                     f'sample, the compute threads {1000 * compute / per:.3f}, the rest {1000 * (all_cpu - compute) / per:.3f}; '
                     f'{all_cpu / seconds:.2f} cores busy')
        for node in sorted({n for n, _ in cpu}):
            parts = sorted(((c, k) for (n, k), c in cpu.items() if n == node and c > 0), reverse=True)
            lines.append(f'    {node} {1000 * sum(c for c, _ in parts) / per:.3f}: '
                         + ', '.join(f'{k} {1000 * c / per:.3f}' for c, k in parts[:7] if 1000 * c / per >= 0.001))
    else:
        lines.append('  last epoch: its start not seen in the metrics file within the window')
print('\n'.join(lines))
if out:
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
