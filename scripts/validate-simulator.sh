#!/usr/bin/env bash
# The simulator against what this machine runs for real (a script, not part of CI): for 2 and 4 workers, the same plan
# as a loopback cluster (scripts/local-cluster.sh: coordinator, 1 ps, N workers × 1 thread, data plane) and as
# `distnn simulate`, and the ratio of their samples/s (within 15 % is the target).
# The real run's figure is its last epoch's samples/s (2 epochs: the first one's start-up — joining, the first pulls,
# the jitting of every node — is not what the simulation models). Every node of the real cluster is a process on this
# machine's cores, so the simulation runs with --cores $(nproc): a node's work goes at min(1, cores / nodes working) of
# full speed. One set of inputs for every worker count, each a CPU time measured before the runs, nothing fitted to them:
#   - compute per batch: the step bench's process CPU time per step (`distnn bench --model cnn --threads 1`,
#     ms_cpu_per_step: what the batch costs a core, which other work on the machine stretches far less than wall time);
#   - the messages: push-pull round trips of the model's gradient on loopback (`distnn bench --push-pull`, the server
#     in a child process), dense and with top-k pushes (dense replies): each side's CPU per round trip (the server's less
#     its optimizer update) is two messages' fixed cost plus a cost per frame byte, solved from the two sizes; what is
#     left of the dense mean round trip beyond both sides' CPU is the hand-off latency (half each way). Loopback has no
#     wire of its own: its copying is in those CPU times, so the link is unlimited (1000GB/s);
#   - the servers' arithmetic and the backward profile (when each layer's gradients are final, for the overlapped
#     pushes the real workers make by default): measured by `distnn simulate` (one probe run), then given to every run.
# Beside the ratio: the load average over the run and the CPU time each real node used in the last epoch per batch
# per sync round (from /proc, sampled every 0.2 s, up to the epoch's training end: its evaluation left out), beside what
# the simulation charges per round.
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
json() { python3 -c "import json,sys; r=json.loads(sys.argv[1]); print($2)" "$1"; }
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -qw avx512f /proc/cpuinfo && echo avx512f || echo 'no avx512f'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

step=$(distnn bench --model "$model" --batch "$batch" --threads 1 --seconds 5 2>/dev/null | tail -1)
compute=$(json "$step" "r['ms_cpu_per_step']")
echo "compute: $compute ms CPU per batch (step bench, 1 thread; wall median $(json "$step" "r['ms_per_step_median']") ms, fastest $(json "$step" "r['ms_min']") ms)"

probe=$(distnn simulate --model "$model" --batch-size "$batch" --workers 1 --steps 1 --compute-ms 1 2>/dev/null)
add_ns=$(echo "$probe" | grep -m1 'ns per gradient value' | sed -E 's/.*servers ([0-9.]+) ns per gradient value.*/\1/')
update_ns=$(echo "$probe" | grep -m1 'ns per gradient value' | sed -E 's/.* \+ ([0-9.]+) ns per weight updated.*/\1/')
profile=$(echo "$probe" | grep -m1 '^overlap on' | sed -E 's/.*: ([0-9.,]+)$/\1/')
echo "backward profile (share of the batch's compute done when each layer's gradients are final, layer 0 first): $profile"

# Two push sizes (dense, and top-k pushes with dense replies): each side's CPU per round trip = 2 × per message + per byte × bytes.
pp=$(distnn bench --push-pull --carrier dataplane --seconds 3 2>/dev/null | tail -1)
pk=$(distnn bench --push-pull --carrier dataplane --seconds 3 --compression topk:0.01 2>/dev/null | tail -1)
read -r worker_ns server_ns worker_us server_us latency_ms < <(python3 -c "
import json, sys
d, k = json.loads(sys.argv[1]), json.loads(sys.argv[2])
def fit(side, less):
    # per round trip: y = 2 m + b x over the two benches (x: the frame bytes both ways), clamped at 0
    (x1, y1), (x2, y2) = [((r['push_bytes_on_wire'] + r['reply_bytes_on_wire']), r[side] / r['round_trips'] - less) for r in (d, k)]
    b = max(0.0, (y1 - y2) / (x1 - x2)); m = max(0.0, (y1 - b * x1) / 2)
    return b, m
update = d['floats'] * $update_ns * 1e-9
wb, wm = fit('client_cpu_seconds', 0.0)
sb, sm = fit('server_cpu_seconds', update)
lat = max(0.0, d['ms_mean'] - (d['client_cpu_seconds'] + d['server_cpu_seconds']) / d['round_trips'] * 1e3) / 2
print(round(wb * 1e9, 4), round(sb * 1e9, 4), round(wm * 1e6, 1), round(sm * 1e6, 1), round(lat, 4))" "$pp" "$pk")
for r in "$pp" "$pk"; do
    echo "messages: push-pull ($(json "$r" "r['compression']")) round trip $(json "$r" "r['ms_mean']") ms mean, CPU $(json "$r" "round(r['client_cpu_seconds'] / r['round_trips'] * 1e3, 3)") ms client + $(json "$r" "round(r['server_cpu_seconds'] / r['round_trips'] * 1e3, 3)") ms server per round trip, $(json "$r" "r['push_bytes_on_wire'] + r['reply_bytes_on_wire']") bytes"
done
echo "  -> worker $worker_ns ns per frame byte + $worker_us µs per message, server $server_ns ns + $server_us µs (less its update, $update_ns ns per weight; add $add_ns ns per value); hand-off latency $latency_ms ms"

cpu_of() { # utime+stime in seconds of each live node of the cluster on port $1, as name=seconds
    local tick; tick=$(getconf CLK_TCK)
    for p in $(pgrep -f "distnn.dll node .*127.0.0.1:$1"); do
        local name; name=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -oE -- '--role [a-z]+|--name [a-z0-9-]+' | tail -1 | cut -d' ' -f2)
        awk -v n="$name" -v t="$tick" '{ print n "=" ($14 + $15) / t }' "/proc/$p/stat" 2>/dev/null
    done
}

for n in "${counts[@]}"; do
    rm -f "$out/real-$n.json" "$out/real-$n.metrics.jsonl"
    # A port of its own: another cluster on this machine starting at the same moment on the default 4053 would take in this one's nodes.
    port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
    scripts/local-cluster.sh --servers 1 --workers "$n" --threads 1 --port "$port" -- --model "$model" --batch-size "$batch" --epochs 2 \
        --train-limit "$limit" --optimizer sgd --lr 0.01 --summary-json "$out/real-$n.json" \
        --metrics "$out/real-$n.metrics.jsonl" > "$out/real-$n.log" 2>&1 &
    cluster=$!
    # Every 0.2 s: the time and each node's CPU seconds, for the last epoch's window (its start: the first epoch's line).
    : > "$out/cpu-$n.txt"
    loads=()
    while kill -0 "$cluster" 2>/dev/null; do
        echo "$(date +%s.%N) $(grep -c . "$out/real-$n.metrics.jsonl" 2>/dev/null) $(cpu_of "$port" | tr '\n' ' ')" >> "$out/cpu-$n.txt"
        loads+=("$(cut -d' ' -f1 /proc/loadavg)")
        sleep 0.2
    done
    wait "$cluster"
    # The last epoch's figures (the plain progress line, every 5 s, may come too late or list one worker only).
    read -r real workers_ms < <(python3 -c "
import json
e = [json.loads(l) for l in open('$out/real-$n.metrics.jsonl') if l.strip()][-1]
w = sorted(e.get('workers') or [], key=lambda w: w['worker'])
print(round(e['samples_per_sec'], 1), ','.join(str(round(x['ms_compute_per_batch'], 1)) + '+' + str(round(x['ms_wait_per_batch'], 1)) for x in w) or '-')" 2>/dev/null)
    if [ -z "${real:-}" ]; then
        echo "$n workers: no epoch figures in $out/real-$n.metrics.jsonl (see $out/real-$n.log)"; continue
    fi
    # CPU per round from the first sample after the first epoch's line to the last epoch's training end (its start plus
    # the epoch's seconds, interpolated), so that the coordinator's evaluation of the last epoch is left out.
    cpu=$(python3 -c "
import json
rows = []
for line in open('$out/cpu-$n.txt'):
    f = line.split()
    if len(f) >= 2 and f[1].isdigit():
        rows.append((float(f[0]), int(f[1]), dict(x.split('=') for x in f[2:] if '=' in x)))
e = [json.loads(l) for l in open('$out/real-$n.metrics.jsonl') if l.strip()][-1]
start = next(r for r in rows if r[1] >= 1)
end_t = start[0] + $limit / e['samples_per_sec']
after = next(r for r in rows if r[0] >= end_t)
before = [r for r in rows if r[0] < end_t][-1]
rounds = -(-$limit // ($batch * $n))
def at(k):
    a, b = float(before[2][k]), float(after[2][k])
    return a + (b - a) * (end_t - before[0]) / max(1e-9, after[0] - before[0])
print(', '.join(f'{k} {1e3 * (at(k) - float(start[2][k])) / rounds:.1f}' for k in sorted(start[2]) if k in before[2] and k in after[2]))" 2>/dev/null)
    # What the model charges per round with whole pushes (overlap sends a push in parts: more messages, each charged).
    modelled=$(json "$pp" "'worker %.1f, ps %.1f with whole pushes' % ($compute + $worker_ns * 1e-6 * (r['push_bytes_on_wire'] + r['reply_bytes_on_wire']) + 2e-3 * $worker_us,
        $n * ($server_ns * 1e-6 * (r['push_bytes_on_wire'] + r['reply_bytes_on_wire']) + 2e-3 * $server_us + $add_ns * 1e-6 * r['floats']) + $update_ns * 1e-6 * r['floats'])")
    load=$(printf '%s\n' "${loads[@]:-0}" | sort -n | awk '{ v[NR] = $1 } END { printf "%s-%s", v[1], v[NR] }')
    steps=$(( (limit + batch * n - 1) / (batch * n) ))
    sim=$(distnn simulate --model "$model" --batch-size "$batch" --workers "$n" --servers 1 --mode sync --compute-ms "$compute" \
        --cores "$(nproc)" --link 1000GB/s --latency "${latency_ms}ms" --server-ns "$add_ns,$update_ns" --message-ns "$worker_ns,$server_ns" --message-us "$worker_us,$server_us" \
        --overlap on --backward-profile "$profile" \
        --steps "$steps" --csv "$out/sim-$n.csv" >/dev/null && tail -1 "$out/sim-$n.csv" | cut -d, -f6)
    echo "  real workers' compute+wait per batch (ms): $workers_ms; CPU per round of the last epoch (ms): ${cpu:-?} (modelled: $modelled); load $load"
    echo "workers $n: real $real samples/s, simulated $sim, ratio $(python3 -c "print(round($sim / $real, 3))")"
done
