#!/usr/bin/env bash
# The data plane between nodes of one host over loopback TCP against a Unix domain socket (distnn.data-plane.local-socket
# off / auto), in alternating runs of the same 4-process cluster (coordinator, 1 ps, 2 workers × 1 thread, cnn, batch 32,
# sync). For each run: samples/s (train_samples_per_sec) and scripts/lib/node-cpu.py's table — each node's CPU by thread
# and CPU-ms per sample in the training window, the figure to compare on a shared machine; and how many connections ran
# over the ps node's local socket and each node's context switches (scripts/lib/local-socket-count.py).
# Usage: [MODES="auto off"] scripts/bench-local-socket.sh [rounds] [train-limit] [epochs]   (defaults: off then auto, 2 rounds,
# 20000 samples, 2 epochs)
# Every run uses distnn published ReadyToRun into runs/publish (DISTNN_DLL=… runs another).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. "$root/scripts/lib/bench-common.sh"
rounds="${1:-2}"
limit="${2:-20000}"
epochs="${3:-2}"
out="$root/runs/bench-local-socket"
mkdir -p "$out"
cpu_line
use_published_distnn
for ((r = 1; r <= rounds; r++)); do
    for mode in ${MODES:-off auto}; do
        port=$(free_port $((4800 + RANDOM % 400)))
        python3 "$root/scripts/lib/node-cpu.py" "127.0.0.1:$port" "$out/$mode-$r.cpu" "$((limit * epochs))" >/dev/null & watcher=$!
        python3 "$root/scripts/lib/local-socket-count.py" "127.0.0.1:$port" "$((limit * epochs))" > "$out/$mode-$r.uds" & counter=$!
        DISTNN_LOCAL_SOCKET="$mode" scripts/local-cluster.sh --port "$port" --servers 1 --workers 2 --threads 1 -- \
            --model cnn --batch-size 32 --epochs "$epochs" --train-limit "$limit" \
            --summary-json "$out/$mode-$r.json" > "$out/$mode-$r.log" 2>&1
        wait "$watcher" "$counter"
        echo "# round $r, local-socket $mode (load $(cut -d' ' -f1 /proc/loadavg)): $(field "$out/$mode-$r.json" train_samples_per_sec) samples/s," \
            "accuracy $(field "$out/$mode-$r.json" test_accuracy)"
        echo "  $(cat "$out/$mode-$r.uds")"
        cat "$out/$mode-$r.cpu"
    done
done
