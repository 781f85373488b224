#!/usr/bin/env bash
# The simulator against what this machine runs for real (a script, not part of CI): for 2 and 4 workers, the same plan
# as a loopback cluster (scripts/local-cluster.sh: coordinator, 1 ps, N workers × 1 thread, data plane) and as
# `distnn simulate`, and the ratio of their samples/s (within 15 % is the target).
# The simulation gets what the real run measured, nothing fitted to its result:
#   - compute per batch: each worker's mean milliseconds computing over the epoch (the coordinator's metrics line of the
#     epoch, --metrics; worker i of the simulation gets worker i's), which on a shared 2-core machine includes the CPU
#     the other nodes take — and a sync round waits for the slowest;
#   - the link: one push-pull round trip of the model's gradient on loopback (`distnn bench --push-pull`, server in a
#     child process) as payload bytes per second both ways, latency 0 (it is inside the round trip);
#   - the servers' arithmetic: measured by `distnn simulate` itself.
# Usage: scripts/validate-simulator.sh [train-limit] [workers…]     (defaults: 6000 samples, 2 4; model cnn, batch 32)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
limit="${1:-6000}"
shift || true

[ $# -gt 0 ] && counts=("$@") || counts=(2 4)
model=cnn
batch=32
out="$root/runs/validate-simulator"
mkdir -p "$out"
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
export DISTNN_DLL="$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll"
distnn() { dotnet "$DISTNN_DLL" "$@"; }
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

pp=$(distnn bench --push-pull --carrier dataplane --seconds 3 2>/dev/null | tail -1)
rate=$(echo "$pp" | python3 -c "import json,sys; r=json.load(sys.stdin); print(round((r['push_bytes_on_wire']+r['reply_bytes_on_wire'])/(r['ms_median']/1e3)/1e9, 4))")
echo "loopback data plane: push-pull round trip $(echo "$pp" | python3 -c "import json,sys; print(json.load(sys.stdin)['ms_median'])") ms median -> link ${rate}GB/s, latency 0"

printf '%8s %15s %24s %14s %8s\n' workers real_samples/s compute_ms sim_samples/s sim/real
for n in "${counts[@]}"; do
    rm -f "$out/real-$n.json" "$out/real-$n.metrics.jsonl"
    # A port of its own: another cluster on this machine starting at the same moment on the default 4053 would take in this one's nodes.
    port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
    scripts/local-cluster.sh --servers 1 --workers "$n" --threads 1 --port "$port" -- --model "$model" --batch-size "$batch" --epochs 1 \
        --train-limit "$limit" --optimizer sgd --lr 0.01 --summary-json "$out/real-$n.json" \
        --metrics "$out/real-$n.metrics.jsonl" > "$out/real-$n.log" 2>&1
    real=$(python3 -c "import json; print(round(json.load(open('$out/real-$n.json'))['train_samples_per_sec'], 1))" 2>/dev/null)
    # The epoch's figures per worker (the plain progress line, every 5 s, may come too late or list one worker only).
    compute=$(python3 -c "
import json
e = [json.loads(l) for l in open('$out/real-$n.metrics.jsonl') if l.strip()][-1]
print(','.join(str(round(w['ms_compute_per_batch'], 2)) for w in sorted(e.get('workers') or [], key=lambda w: w['worker'])))" 2>/dev/null)
    if [ -z "$compute" ]; then
        echo "$n workers: no worker rates in $out/real-$n.metrics.jsonl (see $out/real-$n.log)"; continue
    fi
    steps=$(( (limit + batch * n - 1) / (batch * n) ))
    sim=$(distnn simulate --model "$model" --batch-size "$batch" --workers "$n" --servers 1 --mode sync --compute-ms "$compute" \
        --link "${rate}GB/s" --latency 0 --steps "$steps" --csv "$out/sim-$n.csv" >/dev/null && tail -1 "$out/sim-$n.csv" | cut -d, -f6)
    printf '%8s %15s %24s %14s %8s\n' "$n" "$real" "$compute" "$sim" "$(python3 -c "print(round($sim / $real, 3))")"
done
