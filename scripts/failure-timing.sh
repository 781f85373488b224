#!/usr/bin/env bash
# Measures how fast a DistNN cluster on loopback gets over a lost node (`distnn node` processes, the mlp on MNIST, sync):
#   worker: SIGKILL of one of two workers → the coordinator deals its batches to the other and the sync round goes on
#           (time to the coordinator's "worker … stopped; handing its unfinished batches" line, and to the next epoch
#           line after it); a replacement worker then joins and is the next one killed.
#   server: SIGSTOP of the only parameter server → the run fails and every other node has exited (time to the last
#           exit, with each node's exit code); then SIGCONT: the server finds itself removed and exits 1.
# Prints each trial and the median of each figure.
#
#   scripts/failure-timing.sh [--runs N] [--data-dir DIR] [--only worker|server]
#
#   --runs N        trials of each kind (default 5)
#   --data-dir DIR  MNIST IDX folder (default data/mnist)
#   --only KIND     only the worker or only the server trials
#
# DISTNN_DLL=path/to/distnn.dll skips the build. Node logs stay in a temporary folder, named at the end.
set -uo pipefail
script=failure-timing
usage_lines=2,16
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster-common.sh"
runs=5
only=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) need "$@"; runs="$2"; shift 2 ;;
        --data-dir) need "$@"; data_dir="$(cd "$2" 2>/dev/null && pwd || echo "$2")"; shift 2 ;;
        --only) need "$@"; only="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$script: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "$script: --runs takes a whole number ≥ 1, not '$runs'" >&2; exit 2; }
[[ -z "$only" || "$only" == worker || "$only" == server ]] || { echo "$script: --only takes worker or server" >&2; exit 2; }
[[ -f "$data_dir/train-images-idx3-ubyte" || -f "$data_dir/train-images-idx3-ubyte.gz" ]] \
    || { echo "$script: no MNIST in $data_dir (scripts/fetch-mnist.sh)" >&2; exit 2; }
build_distnn
logs="$(mktemp -d -t distnn-failure-timing.XXXXXX)"
source "$(dirname "${BASH_SOURCE[0]}")/lib/node-logs.sh"
trap 'for p in "${pid_of[@]}"; do kill -KILL "$p" 2>/dev/null; done; echo "$script: interrupted (logs in $logs)"; exit 130' INT TERM

now() { date +%s.%N; }
# wait_trained NAME SECONDS: waits until the coordinator's metrics show an epoch in which worker NAME trained samples.
wait_trained() {
    local deadline=$(( $(date +%s) + $2 ))
    while (( $(date +%s) < deadline )); do
        grep -q "\"worker\":\"$1\",\"samples_per_sec\":[^,]*,\"samples\":[1-9]" "$logs/metrics.jsonl" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# exit_code NAME SECONDS: sets $code to the node's exit code, or "running" if it has not exited within SECONDS.
exit_code() {
    local pid="${pid_of[$1]}" deadline=$(( $(date +%s) + $2 ))
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then code=running; else wait "$pid"; code=$?; fi
}
# coordinator_args ARGS…: a coordinator on a free port (its seed address in $seed) with ARGS, into the array cargs.
coordinator_args() {
    port=$(free_port 4300)
    seed="akka.tcp://distnn@127.0.0.1:$port"
    cargs=(--role coordinator --port "$port" --seed "$seed" --threads 1 --no-progress --data-dir "$data_dir" --mode sync --lr 0.01 "$@")
}

echo "$script: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "$only" != server ]]; then
    echo "== worker: SIGKILL of one of two workers, $runs times (one cluster, a replacement joins after each)"
    coordinator_args --servers 1 --workers 2 --epochs 100000 --train-limit 1280 --registration-timeout 120 --metrics "$logs/metrics.jsonl"
    node coordinator "${cargs[@]}"
    wait_line coordinator "joined the cluster" 60 || { echo "$script: the coordinator did not start (logs in $logs)"; exit 1; }
    node ps --role ps --seed "$seed" --threads 1
    node w0 --role worker --seed "$seed" --name w0 --data-dir "$data_dir" --threads 1
    node w1 --role worker --seed "$seed" --name w1 --data-dir "$data_dir" --threads 1
    victim=w1
    : > "$logs/worker-times"
    for ((i = 1; i <= runs; i++)); do
        # The victim trains: an epoch in which it processed samples has ended.
        wait_trained "$victim" 120 || { echo "$script: $victim never trained (logs in $logs)"; break; }
        from=$(lines coordinator)
        t0=$(now)
        kill -KILL "${pid_of[$victim]}"
        wait "${pid_of[$victim]}" 2>/dev/null
        if wait_line coordinator "worker $victim stopped" 60 "$from"; then
            t1=$(now)
            from2=$(lines coordinator)
            wait_line coordinator "test loss" 60 "$from2" && t2=$(now) || t2=""
            dealt=$(echo "$t1 - $t0" | bc)
            next=$([[ -n "$t2" ]] && echo "$t2 - $t0" | bc || echo "n/a")
            echo "$dealt" >> "$logs/worker-times"
            printf '  trial %d: %s killed; batches dealt to the others after %.2f s, next epoch line after %s s\n' "$i" "$victim" "$dealt" "$next"
        else
            echo "  trial $i: $victim killed; the coordinator did not notice within 60 s"
        fi
        victim="w1-$i"
        (( i < runs )) && node "$victim" --role worker --seed "$seed" --name "$victim" --data-dir "$data_dir" --threads 1
    done
    kill -TERM "${pid_of[coordinator]}"
    codes=""
    for name in coordinator ps w0; do exit_code "$name" 20; codes+=" $name=$code"; done
    echo "  SIGTERM to the coordinator at the end: exit codes$codes"
    echo "  median time from SIGKILL of a worker to its batches dealt to the others: $(median < "$logs/worker-times") s"
fi

if [[ "$only" != worker ]]; then
    echo "== server: SIGSTOP of the only parameter server, $runs times (a cluster each)"
    : > "$logs/server-times"
    for ((i = 1; i <= runs; i++)); do
        coordinator_args --servers 1 --workers 1 --epochs 100000 --train-limit 640 --registration-timeout 120
        node "c$i" "${cargs[@]}"
        wait_line "c$i" "joined the cluster" 60 || { echo "$script: the coordinator did not start (logs in $logs)"; break; }
        node "ps$i" --role ps --seed "$seed" --threads 1
        node "w$i" --role worker --seed "$seed" --name "w$i" --data-dir "$data_dir" --threads 1
        wait_line "c$i" "test loss" 90 || { echo "$script: no epoch ended (logs in $logs)"; break; }
        t0=$(now)
        kill -STOP "${pid_of[ps$i]}"
        exit_code "c$i" 60; cc=$code
        exit_code "w$i" 30; wc=$code
        t1=$(now)
        kill -CONT "${pid_of[ps$i]}"
        exit_code "ps$i" 30; pc=$code
        all=$(echo "$t1 - $t0" | bc)
        [[ "$cc" != running && "$wc" != running ]] && echo "$all" >> "$logs/server-times"
        printf '  trial %d: every other node exited %.2f s after SIGSTOP; exit codes coordinator=%s worker=%s, the server after SIGCONT=%s\n' \
            "$i" "$all" "$cc" "$wc" "$pc"
        grep -h "training failed" "$logs/c$i.log" | head -1 | sed 's/^/    /'
        for name in "c$i" "ps$i" "w$i"; do kill -KILL "${pid_of[$name]}" 2>/dev/null; done
    done
    echo "  median time from SIGSTOP of the only server to every other node exited: $(median < "$logs/server-times") s"
fi
echo "$script: node logs in $logs"
