#!/usr/bin/env bash
# The steady state of the cnn cluster of scripts/bench-cluster.sh against the same plan in one process, and the nodes'
# runtime settings against each other, in alternating runs (a script, not part of CI; ~25 s a run on a quiet machine).
#
#   scripts/bench-node-settings.sh [--rounds N] [--limit SAMPLES] [--no-one-process] [--perf] [SETTING…]
#
# Every round runs the one process (`distnn train`, 2 workers × batch 32, 1 server, --threads 2; unless
# --no-one-process), then the data-plane cluster (coordinator, 1 ps, 2 workers × 1 thread) once per SETTING: a
# space-separated list of environment assignments given to every node, e.g. "DOTNET_TieredCompilation=1
# DOTNET_TieredPGO=0", or "DISTNN_NODE_CPUS=worker-0:0,worker-1:1" (each worker pinned to its own core with taskset;
# DISTNN_NODE_CPUS, DISTNN_WORKER_NICE and DISTNN_OTHER_NICE are read by scripts/lib/cluster-common.sh); the words
# --coordinator-ps, --worker-ps, --coordinator-worker-ps and --pin in a SETTING go to scripts/local-cluster.sh (the coordinator, or
# worker-0, and the ps in one node; the coordinator with worker-0 and ps-0 and worker-1 with ps-1, 2 servers in 2
# processes; every node on one core, through distnn node --cpus); "default" (or none given) is the nodes as
# scripts/lib/cluster-common.sh starts them. Each run is 2 epochs of SAMPLES (default 20000), evaluated on the first
# 1,000 test images only (runs/tune/mnist-test1000), so the evaluation between epochs is not a tenth of the accounting.
# For each run it prints the samples/s of each epoch and, from scripts/lib/node-cpu.py, the last epoch's CPU-ms per
# sample (all threads; the compute threads; the rest), the cores the run kept busy, and each process's threads.
# Compare runs of the same round: the machine is shared.
# --perf: every run also starts its processes with DOTNET_PerfMapEnabled=1 and `perf record`s 4 s of its last epoch;
# scripts/lib/perf-per-gemm.py prints the CPU samples per 1,000 in the GEMM micro-kernel, by process and thread (the
# same work as a unit, so that runs under different loads compare).
# Every run uses distnn published ReadyToRun (runs/publish; DISTNN_DLL=… runs another). Figures: docs/performance.md.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. "$root/scripts/lib/bench-common.sh"
rounds=2
limit=20000
one=true
perf=false
settings=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --limit) limit="$2"; shift 2 ;;
        --no-one-process) one=false; shift ;;
        --perf) perf=true; shift ;;
        -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --coordinator-ps*|--pin*|--worker-ps*|--coordinator-worker-ps*) settings+=("$1"); shift ;;   # a SETTING, not an option of this script
        --*) echo "bench-node-settings: unknown option '$1'" >&2; exit 2 ;;
        *) settings+=("$1"); shift ;;
    esac
done
[[ "$rounds" =~ ^[0-9]+$ && "$limit" =~ ^[0-9]+$ ]] || { echo "bench-node-settings: --rounds and --limit take whole numbers" >&2; exit 2; }
((${#settings[@]})) || settings=(default)
for s in "${settings[@]}"; do
    [[ "$s" == default ]] && continue
    for a in $s; do
        [[ "$a" =~ ^[A-Za-z_][A-Za-z0-9_]*=[^=]*$ || "$a" == --coordinator-ps || "$a" == --pin || "$a" == --worker-ps || "$a" == --coordinator-worker-ps ]] \
            || { echo "bench-node-settings: '$a' in \"$s\" is not NAME=VALUE, --coordinator-ps, --worker-ps, --coordinator-worker-ps or --pin" >&2; exit 2; }
    done
done
out="$root/runs/tune"
data="$out/mnist-test1000"
mkdir -p "$data"
src="$root/data/mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte; do ln -sf "$src/$f" "$data/$f"; done
# The first 1,000 test images and labels: the IDX header with the count 1000, then that many records.
python3 - "$src" "$data" <<'EOF'
import struct, sys
src, dst = sys.argv[1:]
for name, header, size in (("t10k-images-idx3-ubyte", 16, 784), ("t10k-labels-idx1-ubyte", 8, 1)):
    with open(f"{src}/{name}", "rb") as f:
        head = bytearray(f.read(header))
        body = f.read(1000 * size)
    head[4:8] = struct.pack(">I", 1000)
    with open(f"{dst}/{name}", "wb") as f:
        f.write(bytes(head) + body)
EOF
plan=(--model cnn --batch-size 32 --epochs 2 --train-limit "$limit" --data-dir "$data")
epoch_rates() { python3 -c "import json,sys; print(' / '.join(f\"{json.loads(l)['samples_per_sec']:.0f}\" for l in open(sys.argv[1]) if '\"epoch\"' in l))" "$1"; }
cpu_line
use_published_distnn
if $perf; then
    command -v perf >/dev/null || { echo "bench-node-settings: --perf needs perf (Debian: linux-perf)" >&2; exit 2; }
    export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0   # jitted frames named in /tmp/perf-PID.map
fi

# record_last_epoch TAG MARK: with --perf, waits for the run's first epoch line, then records 4 s of the processes whose
# command line holds MARK and prints their samples per GEMM-kernel sample (in the background; the caller waits).
record_last_epoch() {
    $perf || return 0
    local tag="$1" mark="$2" i pids names=() pid role
    for ((i = 0; i < 600; i++)); do grep -qs '"epoch"' "$out/$tag.jsonl" && break; sleep 0.2; done
    sleep 0.5
    pids=$(pgrep -d, -f -- "distnn.dll (node|train) .*$mark")
    [[ -n "$pids" ]] || return 0
    for pid in ${pids//,/ }; do
        role=$(tr '\0' ' ' < "/proc/$pid/cmdline" | grep -oP -- '--(name|role) \K\S+' | tail -1)
        names+=("${role:-train}=$pid")
    done
    perf record -F 499 -o "$out/$tag.perf" -p "$pids" -- sleep 4 >/dev/null 2>&1
    python3 scripts/lib/perf-per-gemm.py "$out/$tag.perf" "${names[@]}" > "$out/$tag.gemm" 2>&1
}

for ((r = 1; r <= rounds; r++)); do
    if $one; then
        tag="one-$r"
        rm -f "$out/$tag.jsonl"
        python3 scripts/lib/node-cpu.py --train --metrics "$out/$tag.jsonl" "$out/$tag.json" "$out/$tag.cpu" "$((2 * limit))" 2 >/dev/null & watcher=$!
        record_last_epoch "$tag" "$out/$tag.json" & recorder=$!
        dotnet "$DISTNN_DLL" train "${plan[@]}" --workers 2 --servers 1 --threads 2 \
            --summary-json "$out/$tag.json" --metrics "$out/$tag.jsonl" >/dev/null 2>&1
        wait "$watcher" "$recorder"
        echo "# round $r, one process (load $(cut -d' ' -f1 /proc/loadavg)): samples/s by epoch $(epoch_rates "$out/$tag.jsonl")"
        grep -A9 -e 'last epoch' -e 'all nodes:' "$out/$tag.cpu"
        ! $perf || cat "$out/$tag.gemm"
    fi
    for ((i = 0; i < ${#settings[@]}; i++)); do
        s="${settings[$i]}"
        tag="cluster-$i-$r"
        env=() cluster_opts=() servers=1
        if [[ "$s" != default ]]; then
            for a in $s; do
                if [[ "$a" == --* ]]; then cluster_opts+=("$a"); else env+=("$a"); fi
                [[ "$a" != --coordinator-worker-ps ]] || servers=2   # a server beside each worker
            done
        fi
        rm -f "$out/$tag.jsonl"
        port=$(free_port $((4800 + RANDOM % 400)))
        python3 scripts/lib/node-cpu.py --metrics "$out/$tag.jsonl" "127.0.0.1:$port" "$out/$tag.cpu" "$((2 * limit))" 2 >/dev/null & watcher=$!
        record_last_epoch "$tag" "127.0.0.1:$port" & recorder=$!
        env "${env[@]}" scripts/local-cluster.sh "${cluster_opts[@]}" --port "$port" --servers "$servers" --workers 2 --threads 1 --data-dir "$data" -- "${plan[@]}" \
            --summary-json "$out/$tag.json" --metrics "$out/$tag.jsonl" > "$out/$tag.log" 2>&1
        wait "$watcher" "$recorder"
        split=$(grep 'samples/s \[' "$out/$tag.log" | tail -1 | grep -o '\[worker.*')
        echo "# round $r, cluster, $s (load $(cut -d' ' -f1 /proc/loadavg)): samples/s by epoch $(epoch_rates "$out/$tag.jsonl"); compute+wait ${split:-?}"
        grep -A9 -e 'last epoch' -e 'all nodes:' "$out/$tag.cpu"
        ! $perf || cat "$out/$tag.gemm"
    done
done
