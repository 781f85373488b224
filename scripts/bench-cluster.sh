#!/usr/bin/env bash
# Cluster throughput side by side, in one session (a script, not part of CI; the machine is noisy, so rounds alternate):
#   PyTorch DDP (ddp_cnn.py: 2 processes × 1 thread, batch 32 each), PyTorch's rpc parameter server (rpc_ps.py:
#   1 server + 2 trainers × batch 32), DistNN in one process with the same plan (2 workers × batch 32, 1 server),
#   and DistNN as separate `distnn node` processes on loopback (coordinator, 1 ps, 2 workers × 1 thread) with
#   tensors on the data plane and over Akka.Remote.
# Usage: scripts/bench-cluster.sh [rounds] [train-limit] [model] [epochs]   (defaults: 3 rounds, 20000 samples, cnn, 1 epoch)
# With several epochs it also prints each epoch's samples/s (metrics file) and the ratio of the last epochs, the first
# epoch being the one where every runtime starts, warms its caches and (the nodes) compiles what it did not precompile.
# DistNN's figure is train_samples_per_sec of one epoch of train-limit samples (evaluation excluded). For the data-plane
# cluster it also prints each worker's mean ms per batch computing + waiting (the progress line's last figures), each
# node's CPU-seconds over the whole run by thread and its CPU-ms per sample in the training window (scripts/lib/node-cpu.py),
# the one process's CPU-seconds and CPU-ms per sample over its whole run, and the ratio cluster / one process per round
# and over all rounds at the end.
# Every DistNN run uses the same binary: distnn published ReadyToRun into runs/publish (DISTNN_DLL=… runs another).
# DISTNN_BENCH_PIN=1: each round also runs the data-plane cluster with every node pinned (scripts/local-cluster.sh
# --pin), right after the unpinned one, with its own ratios.
# DISTNN_BENCH_WORKER_PS=1: each round also runs the colocated layout (scripts/local-cluster.sh --worker-ps: worker-0's
# node also runs the ps, `distnn node --role worker,ps`; 3 processes), with its own ratios.
# DISTNN_BENCH_COORDINATOR_WORKER_PS=1: each round also runs the 2-process layout (scripts/local-cluster.sh
# --coordinator-worker-ps: the coordinator's node is worker-0 with ps-0, `--role coordinator,worker,ps`, worker-1's
# node runs ps-1; 2 servers, each worker beside one), with its own ratios.
# Needs Debian's python3-torch and libopenblas0-pthread for the PyTorch side.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds="${1:-3}"
limit="${2:-20000}"
model="${3:-cnn}"
epochs="${4:-1}"
. "$root/scripts/lib/pytorch-ref.sh"
out="$root/runs/bench-cluster"
mkdir -p "$out"
pyl() { py "$@" 2>/dev/null | tail -1; }
# jfield KEY: KEY of the JSON line on standard input; when the reference script failed, "failed:" and what it printed
# (its error object, or nothing) instead of a Python traceback and an empty figure.
jfield() { python3 -c "
import json, sys
text = sys.stdin.read().strip()
try:
    print(json.loads(text)['$1'])
except (ValueError, KeyError):
    print('failed: ' + (text[-200:] or 'no output'))"; }
plan=(--model "$model" --batch-size 32 --epochs "$epochs" --train-limit "$limit")
# CPU ticks of this shell's waited-for children (user + system), to take the one process's CPU-seconds.
cpu_of_children() { awk '{print $16 + $17}' /proc/$$/stat; }
# cpu_line_of START: "N.N CPU-s = N.NNN CPU-ms per sample" for the children's CPU since START.
cpu_since() { awk -v t="$(( $(cpu_of_children) - $1 ))" -v hz="$(getconf CLK_TCK)" -v n="$((limit * epochs))" \
    'BEGIN { printf "%.1f CPU-s = %.3f CPU-ms per sample (whole run)", t / hz, 1000 * t / hz / n }'; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
# Ratios by data-plane layout: the 4 nodes as they start by default, pinned (--pin), colocated (--worker-ps), in 2
# processes (--coordinator-worker-ps).
declare -A ratios last_ratios
carriers=(dataplane)
[[ -z "${DISTNN_BENCH_PIN:-}" ]] || carriers+=(dataplane-pin)
[[ -z "${DISTNN_BENCH_WORKER_PS:-}" ]] || carriers+=(dataplane-workerps)
[[ -z "${DISTNN_BENCH_COORDINATOR_WORKER_PS:-}" ]] || carriers+=(dataplane-coordinatorworkerps)
carriers+=(remote)
# epoch_rates FILE: each epoch's samples/s from a metrics file, space-separated.
epoch_rates() { python3 -c "import json,sys; print(' '.join(f\"{json.loads(l)['samples_per_sec']:.0f}\" for l in open(sys.argv[1]) if '\"epoch\"' in l))" "$1"; }
cpu_line
use_published_distnn

for ((r = 1; r <= rounds; r++)); do
    echo "# round $r (load $(cut -d' ' -f1 /proc/loadavg))"
    ddp=$(pyl ddp_cnn.py --seconds 10)
    echo "pytorch ddp:        $(echo "$ddp" | jfield global_samples_per_sec_median) samples/s (median step), $(echo "$ddp" | jfield global_samples_per_sec_wall) (wall)"
    ps=$(pyl rpc_ps.py --seconds 10)
    echo "pytorch rpc ps:     $(echo "$ps" | jfield global_samples_per_sec_median) samples/s (median step), $(echo "$ps" | jfield global_samples_per_sec_window) (window)"
    start_cpu=$(cpu_of_children)
    rm -f "$out/single-$r.jsonl" "$out/cluster-"*"-$r.jsonl"
    dotnet "$DISTNN_DLL" train "${plan[@]}" --workers 2 --servers 1 --threads 2 \
        --summary-json "$out/single-$r.json" --metrics "$out/single-$r.jsonl" >/dev/null 2>&1
    echo "distnn 1 process:   $(field "$out/single-$r.json" train_samples_per_sec) samples/s, $(cpu_since "$start_cpu")"
    # The nodes run without tiered compilation (scripts/lib/cluster-common.sh); the one process as shipped and so.
    start_cpu=$(cpu_of_children)
    DOTNET_TieredCompilation=0 dotnet "$DISTNN_DLL" train "${plan[@]}" --workers 2 --servers 1 --threads 2 \
        --summary-json "$out/single-tc0-$r.json" >/dev/null 2>&1
    echo "distnn 1 process, DOTNET_TieredCompilation=0: $(field "$out/single-tc0-$r.json" train_samples_per_sec) samples/s, $(cpu_since "$start_cpu")"
    for carrier in "${carriers[@]}"; do
        port=$(free_port $((4800 + RANDOM % 400)))
        python3 "$root/scripts/lib/node-cpu.py" "127.0.0.1:$port" "$out/cluster-$carrier-$r.cpu" "$((limit * epochs))" >/dev/null & watcher=$!
        layout=(--servers 1)
        case "$carrier" in
            *-pin) layout+=(--pin) ;;
            *-workerps) layout+=(--worker-ps) ;;
            *-coordinatorworkerps) layout=(--coordinator-worker-ps --servers 2) ;;   # a server beside each worker
        esac
        scripts/local-cluster.sh "${layout[@]}" --port "$port" --workers 2 --threads 1 -- "${plan[@]}" --carrier "${carrier%%-*}" \
            --summary-json "$out/cluster-$carrier-$r.json" --metrics "$out/cluster-$carrier-$r.jsonl" > "$out/cluster-$carrier-$r.log" 2>&1
        wait "$watcher"
        rate=$(field "$out/cluster-$carrier-$r.json" train_samples_per_sec)
        one=$(field "$out/single-$r.json" train_samples_per_sec)
        echo "distnn cluster $carrier: $rate samples/s, accuracy $(field "$out/cluster-$carrier-$r.json" test_accuracy);" \
            "cluster / one process $(ratio "$rate" "$one")x ($(ratio "$rate" "$(field "$out/single-tc0-$r.json" train_samples_per_sec)")x against tiering off)"
        if [[ "$carrier" == dataplane* ]]; then
            ratios[$carrier]+=" $(ratio "$rate" "$one")"
            if ((epochs > 1)); then
                read -r -a one_e <<< "$(epoch_rates "$out/single-$r.jsonl")"
                read -r -a cl_e <<< "$(epoch_rates "$out/cluster-$carrier-$r.jsonl")"
                echo "  samples/s by epoch: one process ${one_e[*]}, cluster ${cl_e[*]}; last epoch's ratio $(ratio "${cl_e[-1]}" "${one_e[-1]}")x"
                last_ratios[$carrier]+=" $(ratio "${cl_e[-1]}" "${one_e[-1]}")"
            fi
            split=$(grep 'samples/s \[' "$out/cluster-$carrier-$r.log" | tail -1 | grep -o '\[worker.*')
            echo "  compute+wait per batch: ${split:-(none: a run this short prints no progress line with it)}"
            cat "$out/cluster-$carrier-$r.cpu"
        fi
    done
done
mean() { python3 -c "import sys; r = [float(x) for x in sys.argv[1:]]; print(f'{sum(r) / len(r):.2f}' if r else '-')" "$@"; }
# report LAYOUT NAME: the ratios of one data-plane layout, by round and (several epochs) of the last epoch.
report() {
    local r="${ratios[$1]:-}" l="${last_ratios[$1]:-}"
    echo "# $2 / one process, by round:${r:- none} (mean $(mean $r)x)"
    ((epochs == 1)) || echo "# the same, last epoch of $epochs:${l:- none} (mean $(mean $l)x)"
}
report dataplane "cluster on the data plane"
[[ -z "${DISTNN_BENCH_PIN:-}" ]] || report dataplane-pin "every node pinned (--pin)"
[[ -z "${DISTNN_BENCH_WORKER_PS:-}" ]] || report dataplane-workerps "colocated, worker-0 with the ps (--worker-ps)"
[[ -z "${DISTNN_BENCH_COORDINATOR_WORKER_PS:-}" ]] || report dataplane-coordinatorworkerps "2 processes, the coordinator with worker-0 and ps-0 (--coordinator-worker-ps)"
