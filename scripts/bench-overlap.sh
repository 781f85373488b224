#!/usr/bin/env bash
# Pushes overlapped with the backward pass against one push after it (a script, not part of CI; rounds alternate, the
# machine is noisy): the same plan as scripts/bench-cluster.sh (cnn, 2 workers × batch 32, 1 server, sync) in one process
# and as separate `distnn node` processes on loopback with tensors on the data plane, each with --overlap off and on.
# Usage: scripts/bench-overlap.sh [rounds] [train-limit] [model]     (defaults: 2 rounds, 20000 samples, cnn)
# Prints train_samples_per_sec of one epoch (evaluation excluded), the cluster/one-process ratio, and each worker's mean
# ms per batch computing + waiting (the progress line's last figures).
# Both run distnn published ReadyToRun into runs/publish (DISTNN_DLL=… runs another binary).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. "$root/scripts/lib/bench-common.sh"
rounds="${1:-2}"
limit="${2:-20000}"
model="${3:-cnn}"
out="$root/runs/bench-overlap"
mkdir -p "$out"
plan=(--model "$model" --batch-size 32 --epochs 1 --train-limit "$limit")
cpu_line
use_published_distnn

for ((r = 1; r <= rounds; r++)); do
    echo "# round $r (load $(cut -d' ' -f1 /proc/loadavg))"
    for overlap in off on; do
        DOTNET_TieredCompilation=0 dotnet "$DISTNN_DLL" train "${plan[@]}" --workers 2 --servers 1 --threads 2 --overlap "$overlap" \
            --summary-json "$out/single-$overlap-$r.json" >/dev/null 2>&1
        single=$(field "$out/single-$overlap-$r.json" train_samples_per_sec)
        port=$(free_port $((4800 + RANDOM % 400)))
        scripts/local-cluster.sh --port "$port" --servers 1 --workers 2 --threads 1 -- "${plan[@]}" --carrier dataplane \
            --overlap "$overlap" --summary-json "$out/cluster-$overlap-$r.json" > "$out/cluster-$overlap-$r.log" 2>&1
        cluster=$(field "$out/cluster-$overlap-$r.json" train_samples_per_sec)
        split=$(grep 'samples/s \[' "$out/cluster-$overlap-$r.log" | tail -1 | grep -o '\[worker.*')
        echo "overlap $overlap: 1 process $single samples/s, cluster $cluster samples/s" \
            "(ratio $(python3 -c "print(round($cluster / $single, 3))"), accuracy $(field "$out/cluster-$overlap-$r.json" test_accuracy))" \
            "compute+wait per batch: ${split:-(no progress line)}"
    done
done
