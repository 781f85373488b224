#!/usr/bin/env bash
# Per-thread counters of a loopback cnn cluster's nodes, or of step benches, per batch (a script, not part of CI).
#
#   scripts/perf-threads.sh --workers N [--limit SAMPLES] [--window S] [--record S] OUT
#   scripts/perf-threads.sh --benches K [--window S] [--record S] OUT
#
# --workers N: scripts/local-cluster.sh with 1 ps and N workers × 1 thread (the plan of scripts/validate-simulator.sh:
# cnn, batch 32, sync, sgd, the data plane), 2 epochs of SAMPLES (default 40000). From 1.5 s into the last epoch, over
# --window seconds (default 4): every thread of every node (/proc: CPU on a core, time runnable but waiting for a core,
# voluntary and involuntary switches; `perf stat --per-thread`: task-clock, context switches, migrations, and the
# hardware events, which a guest without a virtual PMU reports as not supported), divided by the batches each worker
# computed in the window (the window's seconds × the last epoch's samples/s / (32 N)). Then --record seconds (default
# 3, 0 for none) of `perf record -e cpu-clock -c 1000000` (a sample per CPU-ms) of every node, the jitted code named
# from the perf map (DOTNET_PerfMapEnabled=1): the compute threads' functions per batch (perf starts sampling only once
# it has attached to every process, so read them as shares; the same window's /proc figures are printed after them).
# --benches K: K step benches (`distnn bench --model cnn --batch 32 --threads 1`) side by side, the same counters from
# 4 s in, per step (the window's seconds over each bench's median step).
# Nodes and benches run without tiered compilation, as scripts/lib/cluster-common.sh starts them. Output in OUT.
# Run it under the machine's benchmark lock. Figures: docs/performance.md (2026-12-02).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
workers=0 benches=0 limit=40000 window=4 record=3
while [[ $# -gt 1 ]]; do
    case "$1" in
        --workers) workers="$2"; shift 2 ;;
        --benches) benches="$2"; shift 2 ;;
        --limit) limit="$2"; shift 2 ;;
        --window) window="$2"; shift 2 ;;
        --record) record="$2"; shift 2 ;;
        *) echo "perf-threads: unknown option '$1'" >&2; exit 2 ;;
    esac
done
out="${1:?OUT}"
mkdir -p "$out"
dll="${DISTNN_DLL:-$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll}"
export DISTNN_DLL="$dll" DOTNET_PerfMapEnabled=1 DOTNET_TieredCompilation="${DOTNET_TieredCompilation:-0}"
events=task-clock,context-switches,cpu-migrations,page-faults,cycles,instructions,cache-misses,L1-dcache-load-misses
lib="$root/scripts/lib"
steal() { awk '/^cpu /{print $9}' /proc/stat; }

# measure SPECS…: the window's counters and the profile of the processes SPECS (PID=NAME).
measure() {
    local pids
    pids=$(printf '%s\n' "$@" | cut -d= -f1 | paste -sd,)
    echo "load $(cut -d' ' -f1-3 /proc/loadavg) steal_ticks $(steal)" > "$out/window.txt"
    python3 "$lib/thread-counters.py" snap "$out/before.json" "$@"
    perf stat --per-thread -x, -e "$events" -p "$pids" -o "$out/stat.csv" -- sleep "$window" 2>/dev/null
    python3 "$lib/thread-counters.py" snap "$out/after.json" "$@"
    echo "load $(cut -d' ' -f1-3 /proc/loadavg) steal_ticks $(steal)" >> "$out/window.txt"
    if [[ "$record" != 0 ]]; then
        perf record -q -e cpu-clock -c 1000000 -p "$pids" -o "$out/perf.data" -- sleep "$record" > /dev/null 2>&1
        python3 "$lib/thread-counters.py" snap "$out/after-record.json" "$@"
    fi
}

if ((workers > 0)); then
    port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    rm -f "$out/summary.json" "$out/metrics.jsonl"
    scripts/local-cluster.sh --servers 1 --workers "$workers" --threads 1 --port "$port" -- --model cnn --batch-size 32 \
        --epochs 2 --train-limit "$limit" --optimizer sgd --lr 0.01 --summary-json "$out/summary.json" \
        --metrics "$out/metrics.jsonl" > "$out/cluster.log" 2>&1 &
    cluster=$!
    until [[ -s "$out/metrics.jsonl" ]] || ! kill -0 "$cluster" 2>/dev/null; do sleep 0.1; done
    sleep 1.5
    mapfile -t specs < <(python3 -c "
import sys; sys.path.insert(0, '$lib')
from proc_cpu import cluster_nodes
for pid, name in cluster_nodes('127.0.0.1:$port').items(): print(f'{pid}={name}')")
    measure "${specs[@]}"
    wait "$cluster"
    per=$(python3 -c "
import json
e = [json.loads(l) for l in open('$out/metrics.jsonl') if l.strip()][-1]
print(round($window * e['samples_per_sec'] / (32 * $workers), 2), e['samples_per_sec'])")
    printf '%s\n' "${specs[@]}" > "$out/nodes.txt"
else
    specs=()
    for ((i = 0; i < benches; i++)); do
        dotnet "$dll" bench --model cnn --batch 32 --threads 1 --seconds $((window + record + 5)) 2>/dev/null > "$out/bench-$i.json" &
        specs+=("$!=bench-$i")
    done
    sleep 4
    measure "${specs[@]}"
    wait
    per=$(python3 -c "
import json, statistics
ms = [json.loads(open('$out/bench-%d.json' % i).read().strip().splitlines()[-1])['ms_per_step_median'] for i in range($benches)]
print(round($window * 1000 / statistics.mean(ms), 2), ms)")
fi
echo "batches per worker in the window, rate: $per; $(paste -sd' ' "$out/window.txt")"
python3 "$lib/thread-counters.py" diff "$out/before.json" "$out/after.json" --per "${per%% *}" --perf-stat "$out/stat.csv"
grep -m1 "not supported\|not counted" "$out/stat.csv" | head -1 | sed 's/^/perf stat: /'
if [[ "$record" != 0 && -s "$out/perf.data" ]]; then
    rper=$(python3 -c "print(${per%% *} * $record / $window)")
    perf script -i "$out/perf.data" -F pid,tid,comm,ip,sym 2>/dev/null | python3 "$lib/thread-profile.py" "$rper" > "$out/profile.txt"
    head -60 "$out/profile.txt"
    echo "the record window by /proc (the counters' time while perf record ran, per batch):"
    python3 "$lib/thread-counters.py" diff "$out/after.json" "$out/after-record.json" --per "$rper" | grep -E "compute|all threads"
fi
