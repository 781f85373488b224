#!/usr/bin/env bash
# The simulator against what this machine runs for real (a script, not part of CI): for 2 and 4 workers, the same plan
# as a loopback cluster (scripts/local-cluster.sh: coordinator, 1 ps, N workers × 1 thread, data plane) and as
# `distnn simulate`, and the ratio of their samples/s (within 15 % is the target).
# The real run's figure is its last epoch's samples/s (2 epochs: the first one's start-up — joining, the first pulls,
# the jitting of every node — is not what the simulation models). Every node of the real cluster is a process on this
# machine's cores, so the simulation runs with --cores $(nproc): a node's work goes at min(1, cores / nodes working) of
# full speed. One set of inputs for every worker count, measured before the runs, nothing fitted to their result:
#   - compute per batch: one worker's forward + backward alone on one thread (`distnn bench --model cnn --threads 1`,
#     the fastest step of 5 s: on a machine other work shares, the median measures that work too, which the
#     simulation does not model — on a quiet machine the two are close);
#   - the link: one push-pull round trip of the model's gradient on loopback (`distnn bench --push-pull`, server in a
#     child process) as payload bytes per second both ways, latency 0 (it is inside the round trip);
#   - the servers' arithmetic: measured by `distnn simulate` itself.
# The real workers' own compute per batch (the metrics line) is printed beside them: how much the sharing stretched it.
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

step=$(distnn bench --model "$model" --batch "$batch" --threads 1 --seconds 5 2>/dev/null | tail -1)
compute=$(echo "$step" | python3 -c "import json,sys; print(json.load(sys.stdin)['ms_min'])")
echo "compute alone: $compute ms per batch (fastest step, 1 thread; median $(echo "$step" | python3 -c "import json,sys; print(json.load(sys.stdin)['ms_per_step_median'])") ms); simulated on $(nproc) shared cores"

printf '%8s %15s %26s %14s %8s\n' workers real_samples/s real_compute_ms sim_samples/s sim/real
for n in "${counts[@]}"; do
    rm -f "$out/real-$n.json" "$out/real-$n.metrics.jsonl"
    # A port of its own: another cluster on this machine starting at the same moment on the default 4053 would take in this one's nodes.
    port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
    scripts/local-cluster.sh --servers 1 --workers "$n" --threads 1 --port "$port" -- --model "$model" --batch-size "$batch" --epochs 2 \
        --train-limit "$limit" --optimizer sgd --lr 0.01 --summary-json "$out/real-$n.json" \
        --metrics "$out/real-$n.metrics.jsonl" > "$out/real-$n.log" 2>&1
    # The last epoch's figures (the plain progress line, every 5 s, may come too late or list one worker only).
    read -r real workers_ms < <(python3 -c "
import json
e = [json.loads(l) for l in open('$out/real-$n.metrics.jsonl') if l.strip()][-1]
w = sorted(e.get('workers') or [], key=lambda w: w['worker'])
print(round(e['samples_per_sec'], 1), ','.join(str(round(x['ms_compute_per_batch'], 1)) for x in w) or '-')" 2>/dev/null)
    if [ -z "${real:-}" ]; then
        echo "$n workers: no epoch figures in $out/real-$n.metrics.jsonl (see $out/real-$n.log)"; continue
    fi
    steps=$(( (limit + batch * n - 1) / (batch * n) ))
    sim=$(distnn simulate --model "$model" --batch-size "$batch" --workers "$n" --servers 1 --mode sync --compute-ms "$compute" \
        --cores "$(nproc)" --link "${rate}GB/s" --latency 0 --steps "$steps" --csv "$out/sim-$n.csv" >/dev/null && tail -1 "$out/sim-$n.csv" | cut -d, -f6)
    printf '%8s %15s %26s %14s %8s\n' "$n" "$real" "$workers_ms" "$sim" "$(python3 -c "print(round($sim / $real, 3))")"
done
