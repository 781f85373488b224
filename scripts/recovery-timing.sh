#!/usr/bin/env bash
# Measures how fast a DistNN cluster on loopback replaces a lost parameter server (`distnn node` processes, the mlp on
# MNIST, sync, 2 servers + 1 standby, 2 workers, a checkpoint every 5 steps): SIGKILL of parameter server 1 → the
# coordinator notices it lost, a standby takes its chunks, every server goes back to the latest checkpoint, and the
# first batch is done again. Each trial then starts a new ps node (the next standby) and kills server 1 again.
# Prints, per trial, the seconds from the SIGKILL to: the loss noticed, the servers replaced, the first batch done
# again (the figure: "training again"); then the median of each.
#
#   scripts/recovery-timing.sh [--runs N] [--data-dir DIR]
#
#   --runs N        trials (default 5)
#   --data-dir DIR  MNIST IDX folder (default data/mnist)
#
# DISTNN_DLL=path/to/distnn.dll skips the build. Node logs stay in a temporary folder, named at the end.
set -uo pipefail
script=recovery-timing
usage_lines=2,14
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster-common.sh"
runs=5
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) need "$@"; runs="$2"; shift 2 ;;
        --data-dir) need "$@"; data_dir="$(cd "$2" 2>/dev/null && pwd || echo "$2")"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$script: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "$script: --runs takes a whole number ≥ 1, not '$runs'" >&2; exit 2; }
[[ -f "$data_dir/train-images-idx3-ubyte" || -f "$data_dir/train-images-idx3-ubyte.gz" ]] \
    || { echo "$script: no MNIST in $data_dir (scripts/fetch-mnist.sh)" >&2; exit 2; }
build_distnn
logs="$(mktemp -d -t distnn-recovery-timing.XXXXXX)"
source "$(dirname "${BASH_SOURCE[0]}")/lib/node-logs.sh"
stop_all() { for p in "${pid_of[@]}"; do kill -KILL "$p" 2>/dev/null; done; }
trap 'stop_all; echo "$script: interrupted (logs in $logs)"; exit 130' INT TERM

# Seconds since midnight, now and of an Akka log line's [HH:MM:SS.mmm].
now() { date +%H:%M:%S.%N | awk -F: '{ printf "%.3f\n", $1 * 3600 + $2 * 60 + $3 }'; }
stamp() { sed -E 's/^\[[A-Z]+\]\[([0-9:.]+)\].*/\1/' | awk -F: '{ printf "%.3f\n", $1 * 3600 + $2 * 60 + $3 }'; }
# first_after NAME TEXT FROM-LINE: the first line of NAME's log after FROM-LINE containing TEXT.
first_after() { tail -n "+$(( $3 + 1 ))" "$logs/$1.log" | grep -F -m1 -- "$2"; }

echo "$script: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
port=$(free_port 4400)
seed="akka.tcp://distnn@127.0.0.1:$port"
node coordinator --role coordinator --port "$port" --seed "$seed" --threads 1 --no-progress --data-dir "$data_dir" --mode sync \
    --servers 2 --standby-servers 1 --workers 2 --epochs 100000 --train-limit 1280 --registration-timeout 120 \
    --checkpoint-dir "$logs/ck" --checkpoint-every 5 --keep-checkpoints 3
wait_line coordinator "joined the cluster" 60 || { echo "$script: the coordinator did not start (logs in $logs)"; stop_all; exit 1; }
# ps nodes on known ports, one after the other: the first two hold the chunks, the third is the standby.
declare -A ps_at=()
start_ps() {
    local name="$1" p
    p=$(free_port $(( port + 1 + RANDOM % 500 )))
    node "$name" --role ps --seed "$seed" --threads 1 --port "$p"
    ps_at[$p]="$name"
    wait_line "$name" "registered ps with the coordinator" 90 || { echo "$script: $name did not register (logs in $logs)"; stop_all; exit 1; }
}
start_ps ps0
start_ps ps1
start_ps standby0
node w0 --role worker --seed "$seed" --name w0 --data-dir "$data_dir" --threads 1
node w1 --role worker --seed "$seed" --name w1 --data-dir "$data_dir" --threads 1
victim=ps1
: > "$logs/noticed"; : > "$logs/replaced"; : > "$logs/again"
for ((i = 1; i <= runs; i++)); do
    # Training, with a checkpoint written since the start or the last recovery.
    from=$(lines coordinator)
    wait_line coordinator "test loss" 180 "$from" || { echo "$script: no epoch ended (logs in $logs)"; break; }
    from=$(lines coordinator)
    t0=$(now)
    kill -KILL "${pid_of[$victim]}"
    wait "${pid_of[$victim]}" 2>/dev/null
    unset "pid_of[$victim]"
    if ! wait_line coordinator "training again:" 120 "$from"; then
        echo "  trial $i: $victim killed; training did not go on within 120 s (logs in $logs)"
        break
    fi
    noticed=$(first_after coordinator "a standby takes its chunks" "$from" | stamp)
    replaced_line=$(first_after coordinator "servers replaced in" "$from")
    replaced=$(stamp <<< "$replaced_line")
    again=$(first_after coordinator "training again:" "$from" | stamp)
    d1=$(echo "$noticed - $t0" | bc); d2=$(echo "$replaced - $t0" | bc); d3=$(echo "$again - $t0" | bc)
    echo "$d1" >> "$logs/noticed"; echo "$d2" >> "$logs/replaced"; echo "$d3" >> "$logs/again"
    printf '  trial %d: %s SIGKILLed; noticed lost after %.2f s, servers replaced after %.2f s, training again after %.2f s\n' "$i" "$victim" "$d1" "$d2" "$d3"
    # Server 1 is now the node whose port the coordinator named; a new ps node becomes the next standby.
    new_port=$(sed -E 's/.*server 1 → akka\.tcp:\/\/distnn@127\.0\.0\.1:([0-9]+)\/.*/\1/' <<< "$replaced_line")
    victim="${ps_at[$new_port]:-}"
    [[ -n "$victim" ]] || { echo "$script: cannot tell which node is server 1 now (logs in $logs)"; break; }
    (( i < runs )) && start_ps "standby$i"
done
kill -TERM "${pid_of[coordinator]}"
sleep 15
stop_all
echo "  median from SIGKILL of a server: noticed lost $(median < "$logs/noticed") s, servers replaced $(median < "$logs/replaced") s, training again $(median < "$logs/again") s"
echo "$script: logs in $logs"
