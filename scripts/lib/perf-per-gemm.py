#!/usr/bin/env python3
"""CPU samples of a `perf record` of DistNN processes per 1,000 samples in the GEMM micro-kernel (Avx2Tiles::Tile6x16,
compiled on the machine in every setting): the same work measured in units of itself, so that runs taken under
different loads compare. Needs the processes started with DOTNET_PerfMapEnabled=1 (jitted frames named).

    perf-per-gemm.py PERF_DATA [ROLE=PID …]

Prints, per process (named by ROLE=PID, else by pid) and thread kind (the thread name without its number), the samples
per 1,000 kernel samples, and for the compute threads the split by where the code lives: jitted, precompiled
(ReadyToRun) in System.Private.CoreLib, precompiled elsewhere, the kernel, native libraries.
"""
import collections
import re
import subprocess
import sys

KERNEL = 'Avx2Tiles::Tile6x16'
data = sys.argv[1]
names = dict(reversed(a.split('=', 1)) for a in sys.argv[2:])
out = subprocess.run(['perf', 'script', '-i', data, '-F', 'pid,tid,comm,ip,sym,dso', '-G'],  # one line a sample: its leaf
                     capture_output=True, text=True).stdout
by_thread = collections.Counter()
compute_where = collections.defaultdict(collections.Counter)
kernel_samples = 0
for line in out.split('\n'):
    m = re.match(r'\s*(.*?)\s+(\d+)/\d+\s+[0-9a-f]+\s+(.*)\s+\((.*)\)\s*$', line)
    if not m:
        continue
    comm, pid, sym, dso = m.groups()
    kind = re.sub(r'[-_ ]?\d+$', '', comm)
    proc = names.get(pid, pid)
    by_thread[(proc, kind)] += 1
    if KERNEL in sym:
        kernel_samples += 1
    if kind.startswith('distnn.compute'):
        if 'kallsyms' in dso or dso.startswith('[k'):
            where = 'kernel'
        elif 'perf-' in dso:
            where = 'memmove (jitted)' if 'SpanHelpers::Memmove' in sym else 'jitted'
        elif dso.endswith('System.Private.CoreLib.dll'):
            where = 'precompiled CoreLib'
        elif dso.endswith('.dll'):
            where = 'precompiled other'
        else:
            where = 'native'
        compute_where[proc][where] += 1
if not kernel_samples:
    sys.exit(f'perf-per-gemm.py: no samples in {KERNEL} in {data} (DOTNET_PerfMapEnabled=1 missing?)')
per = 1000 / kernel_samples
total = sum(by_thread.values())
print(f'{kernel_samples} samples in {KERNEL}; all threads {total * per:.0f} per 1,000 of them')
for proc in sorted({p for p, _ in by_thread}):
    rows = sorted(((n, k) for (p, k), n in by_thread.items() if p == proc), reverse=True)
    line = ', '.join(f'{k} {n * per:.0f}' for n, k in rows if n * per >= 1)
    print(f'  {proc} {sum(n for n, _ in rows) * per:.0f}: {line}')
    if compute_where[proc]:
        print('    its compute threads: ' + ', '.join(f'{w} {n * per:.0f}' for w, n in compute_where[proc].most_common()))
