#!/usr/bin/env bash
# Who wakes whom in a loopback cnn cluster, by caller (a script, not part of CI).
#
#   scripts/trace-wakes.sh [--workers N] [--limit SAMPLES] [--window S] [--worker-ps] OUT
#
# Runs scripts/local-cluster.sh as scripts/perf-threads.sh does (1 ps, N workers × 1 thread, default 2; cnn, batch 32,
# sync, sgd, the data plane; 2 epochs of SAMPLES, default 32000; --worker-ps: worker-0 and the ps in one node), every node
# with DOTNET_PerfMapEnabled=1 and DOTNET_ReadyToRun=0 (every managed frame jitted, so named in the perf map). From 1.5 s
# into the last epoch it records --window seconds (default 3) of `perf record -a -g -e sched:sched_waking` (a wake-up:
# the waking thread's stack, the woken thread's id) and prints, per node and per batch of each worker (the window's
# seconds × the last epoch's samples/s ÷ (32 N)), the wakes of each of its threads by kind, and by the caller that woke
# them (scripts/lib/wake-callers.py: the first managed frames under the wake, the runtime's plumbing left out).
# TRAIN_OPTIONS="…" (environment): more options for the coordinator's plan, e.g. "--overlap off".
# Run it under the machine's benchmark lock. Figures: docs/performance.md (2026-12-02).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
workers=2 limit=32000 window=3 layout=()
while [[ $# -gt 1 ]]; do
    case "$1" in
        --workers) workers="$2"; shift 2 ;;
        --limit) limit="$2"; shift 2 ;;
        --window) window="$2"; shift 2 ;;
        --worker-ps) layout=(--worker-ps); shift ;;
        *) echo "trace-wakes: unknown option '$1'" >&2; exit 2 ;;
    esac
done
out="${1:?OUT}"
mkdir -p "$out"
dll="${DISTNN_DLL:-$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll}"
export DISTNN_DLL="$dll" DOTNET_PerfMapEnabled=1 DOTNET_ReadyToRun=0 DOTNET_TieredCompilation="${DOTNET_TieredCompilation:-0}"
lib="$root/scripts/lib"
port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
rm -f "$out/summary.json" "$out/metrics.jsonl" "$out/threads.txt"
scripts/local-cluster.sh --servers 1 --workers "$workers" --threads 1 --port "$port" "${layout[@]}" -- --model cnn --batch-size 32 \
    --epochs 2 --train-limit "$limit" --optimizer sgd --lr 0.01 --summary-json "$out/summary.json" \
    --metrics "$out/metrics.jsonl" ${TRAIN_OPTIONS:-} > "$out/cluster.log" 2>&1 &
cluster=$!
until [[ -s "$out/metrics.jsonl" ]] || ! kill -0 "$cluster" 2>/dev/null; do sleep 0.1; done
sleep 1.5
mapfile -t specs < <(python3 -c "
import sys; sys.path.insert(0, '$lib')
from proc_cpu import cluster_nodes
for pid, name in cluster_nodes('127.0.0.1:$port').items(): print(f'{pid}={name}')")
echo "load $(cut -d' ' -f1-3 /proc/loadavg)" > "$out/window.txt"
perf record -q -a -g -e sched:sched_waking -o "$out/perf.data" -- sleep "$window" > /dev/null 2>&1
echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/window.txt"
# DOTNET_TRACE=PATH (dotnet-trace): then the same seconds of it on every node: the thread pool's queued work items
# (FrameworkEventSource's ThreadPoolEnqueueWork, with the queuing thread's managed stack) and the runtime's threading events.
if [[ -n "${DOTNET_TRACE:-}" ]]; then
    tracers=()
    for spec in "${specs[@]}"; do
        "$DOTNET_TRACE" collect -p "${spec%%=*}" --duration "00:00:00:$(printf %02d "$window")" -o "$out/${spec#*=}.nettrace" \
            --providers "System.Diagnostics.Eventing.FrameworkEventSource:0x12:5,Microsoft-Windows-DotNETRuntime:0x10000:5" \
            > "$out/${spec#*=}.trace.log" 2>&1 < /dev/null &
        tracers+=("$!")
    done
    wait "${tracers[@]}"
    echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/window.txt"
fi
# The nodes' threads (id, name) as they are now: the woken thread's node and kind.
for spec in "${specs[@]}"; do
    for task in /proc/"${spec%%=*}"/task/*; do
        echo "${spec%%=*} ${spec#*=} ${task##*/} $(cat "$task/comm" 2>/dev/null)"
    done
done > "$out/threads.txt"
perf script -i "$out/perf.data" -F comm,pid,tid,trace,ip,sym > "$out/wakes.txt" 2>/dev/null
wait "$cluster"
per=$(python3 -c "
import json
e = [json.loads(l) for l in open('$out/metrics.jsonl') if l.strip()][-1]
print(round($window * e['samples_per_sec'] / (32 * $workers), 2), e['samples_per_sec'])")
echo "batches per worker in the window, rate: $per; $(paste -sd' ' "$out/window.txt")"
python3 "$lib/wake-callers.py" "$out/threads.txt" "$out/wakes.txt" "${per%% *}"
