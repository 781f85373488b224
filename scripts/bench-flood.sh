#!/usr/bin/env bash
# Does a flood of idle connections slow training? The same small loopback cluster (1 coordinator, M ps, N workers) trains
# the same plan ROUNDS times without and ROUNDS times with COUNT idle connections held to each ps's data-plane port
# (scripts/flood-idle-connections.py: opened once the ps listens, nothing sent, those the ps closes reopened every
# second), alternating. Training time is the coordinator's wall clock from the end of epoch 1 to the end of the last
# epoch (its metrics file), so that start-up and registration do not count. Prints each run, the ps's most threads
# and CPU seconds (the whole run), and the ratio of the medians.
#
#   scripts/bench-flood.sh [--rounds R] [--connections COUNT] [--servers M] [--workers N] [--tls] [-- TRAINING OPTIONS…]
#
# Defaults: 2 rounds, 1000 connections, 1 ps, 2 workers of 1 thread, `--model mlp --epochs 5 --train-limit 25600`.
set -uo pipefail
script=bench-flood
usage_lines=2,11
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster-common.sh"
rounds=2; connections=1000; args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) need "$@"; rounds="$2"; shift 2 ;;
        --connections) need "$@"; connections="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) args+=("$1"); shift ;;
    esac
done
parse_cluster_options --servers 1 --threads 1 "${args[@]}"
[[ ${#train_opts[@]} -gt 0 ]] || train_opts=(--model mlp --epochs 5 --train-limit 25600)
cd "$root"
build_distnn
work="$(mktemp -d)"
trap 'touch "$work/stop"; stop_all; remove_certs; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
make_cluster_certs
host=127.0.0.1

# run NAME FLOOD: one training run; prints "SECONDS MOST_PS_THREADS".
run() {
    local name="$1" flood="$2" s w p data_ports=() n pid log="$work/$1.log"
    pids=()
    port="$(free_port 4053)"
    local seed="$scheme://distnn@$host:$port"
    mapfile -t t < <(tls_for coordinator)
    start_node coordinator -- --role coordinator --host "$host" --port "$port" --seed "$seed" --data-dir "$data_dir" \
        --servers "$servers" --workers "$workers" --no-progress --metrics "$work/$name.jsonl" "${t[@]}" "${train_opts[@]}" >> "$log" 2>&1
    for ((s = 0; s < servers; s++)); do
        data_ports+=("$(free_port $((port + 100 + s * 10)))")
        mapfile -t t < <(tls_for "ps-$s")
        start_node "ps-$s" -- --role ps --host "$host" --port 0 --data-port "${data_ports[-1]}" --seed "$seed" "${t[@]}" >> "$log" 2>&1
    done
    local ps_pids=("${pids[@]:1:$servers}")
    for ((w = 0; w < workers; w++)); do
        mapfile -t t < <(tls_for "worker-$w")
        start_node "worker-$w" -- --role worker --host "$host" --port 0 --seed "$seed" --data-dir "$data_dir" \
            --name "worker-$w" --threads "$threads" "${t[@]}" >> "$log" 2>&1
    done
    rm -f "$work/stop"
    if [[ "$flood" == yes ]]; then
        for p in "${data_ports[@]}"; do   # the ps listens on its data port once it is initialised
            for _ in $(seq 1 120); do (echo -n > "/dev/tcp/$host/$p") 2>/dev/null && break; sleep 0.5; done
        done
        python3 "$root/scripts/flood-idle-connections.py" "$host" "$(IFS=,; echo "${data_ports[*]}")" "$connections" "$work/stop" \
            > "$work/$name.flood" 2>&1 &
    fi
    ( while [[ ! -e "$work/stop" ]]; do
        for pid in "${ps_pids[@]}"; do
            n=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
            [[ "${n:-0}" -gt "$(cat "$work/$name.threads" 2>/dev/null || echo 0)" ]] && echo "$n" > "$work/$name.threads"
        done
        # The ps nodes' CPU seconds so far (user + system), last seen before they exit.
        n=0
        for pid in "${ps_pids[@]}"; do
            n=$((n + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
        done
        [[ "$n" -gt 0 ]] && echo "$n" > "$work/$name.ticks"
        sleep 0.5
    done ) &
    wait_for_result >> "$log" 2>&1
    local code=$?
    touch "$work/stop"
    wait
    if [[ "$code" -ne 0 ]] && grep -q "samples applied" "$log"; then
        echo "$script: run $name trained to the end but a node exited with $code (counted; see ${TMPDIR:-/tmp}/bench-flood-$name.log)" >&2
        cp "$log" "${TMPDIR:-/tmp}/bench-flood-$name.log"
    elif [[ "$code" -ne 0 ]]; then
        cp "$log" "${TMPDIR:-/tmp}/bench-flood-$name.log"
        echo "$script: run $name failed (exit $code); its nodes' output: ${TMPDIR:-/tmp}/bench-flood-$name.log" >&2
        grep -h "ERROR\|error:" "$log" | head -5 >&2
        exit 1
    fi
    python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(round(e[-1]["wall_seconds"]-e[0]["wall_seconds"],3))' "$work/$name.jsonl"
}

cpu() { python3 -c 'import sys; print(round(int(sys.argv[1]) / int(sys.argv[2]), 2))' "$(cat "$work/$1.ticks")" "$(getconf CLK_TCK)"; }

quiet=(); flooded=()
for ((r = 1; r <= rounds; r++)); do
    quiet+=("$(run "quiet-$r" no)") || exit 1
    echo "round $r without flood: ${quiet[-1]} s of training, ps threads at most $(cat "$work/quiet-$r.threads"), ps CPU $(cpu "quiet-$r") s"
    flooded+=("$(run "flood-$r" yes)") || exit 1
    echo "round $r with $connections idle connections per ps: ${flooded[-1]} s of training, ps threads at most $(cat "$work/flood-$r.threads"), ps CPU $(cpu "flood-$r") s; $(cat "$work/flood-$r.flood")"
    grep -h "ConnectionLimit\|Handshake" "$work/flood-$r.log" | head -2 | cut -c1-200
done
python3 - "${quiet[*]}" "${flooded[*]}" <<'PY'
import statistics, sys
q = [float(x) for x in sys.argv[1].split()]; f = [float(x) for x in sys.argv[2].split()]
a, b = statistics.median(q), statistics.median(f)
print(f"training time: median {a:.2f} s without, {b:.2f} s with the flood: {b / a:.3f}x ({100 * (b - a) / a:+.1f} %)")
PY
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no), load: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %H:%M UTC')"
