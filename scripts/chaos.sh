#!/usr/bin/env bash
# A chaos run of a DistNN cluster on loopback (`distnn node` processes, as scripts/local-cluster.sh starts them): during
# training it SIGKILLs a random worker K times and starts a replacement under the same name each time, SIGKILLs a
# parameter server S times (the coordinator keeps a standby, `--standby-servers 1`; each killed server's node is replaced
# by a new ps node, which becomes the next standby), and with --kill-coordinator SIGKILLs the coordinator once and
# starts it again with `--resume` (the other nodes wait for it, `--coordinator-grace`). Then it runs the same plan
# without kills and prints one line from the servers' own accounting (the chaos run's summary):
#
#   chaos: kills=K restarts=R samples_lost=L samples_doubled=D accuracy=A clean_accuracy=C
#
# samples_lost = samples_expected − samples_applied, samples_doubled = samples of batches a server applied twice;
# accuracies in percent. Exit 0 when the chaos run completed with every kill asked for, every node not killed exited 0,
# L = 0 and D = 0.
#
#   scripts/chaos.sh [--kills K] [--kill-servers S] [--kill-coordinator] [--data-dir DIR] [--servers M] [--workers N]
#                    [--threads T] [--no-clean] [--chaos-seed R] -- TRAINING OPTIONS…
#
#   --kills K            worker kills (default 5); each waits until the previous replacement trains (an epoch began
#                        with it), so make epochs short (--train-limit) and the run long enough (--epochs)
#   --kill-servers S     server kills (default 0); adds --standby-servers 1 and a checkpoint folder
#   --kill-coordinator   kill the coordinator once, halfway through the kills (adds a checkpoint folder)
#   --servers M, --workers N, --threads T, --data-dir DIR   as scripts/local-cluster.sh (default 2, 3, 1, data/mnist)
#   --no-clean           skip the clean run (clean_accuracy=n/a)
#   --chaos-seed R       seed of the random choices (default: the time)
#   everything after --  the coordinator's training options (--model, --epochs, --train-limit, --mode, --checkpoint-every …)
#
# DISTNN_DLL=path/to/distnn.dll skips the build. The nodes' logs stay in a temporary folder, named at the end.
# Example: scripts/chaos.sh --kills 5 -- --model mlp --epochs 30 --train-limit 2000 --mode async
set -uo pipefail
script=chaos
usage_lines=2,28
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster-common.sh"

kills=5
kill_servers=0
kill_coordinator=false
clean=true
chaos_seed=$(date +%s)
workers=3
rest=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --kills) need "$@"; kills="$2"; shift 2 ;;
        --kill-servers) need "$@"; kill_servers="$2"; shift 2 ;;
        --kill-coordinator) kill_coordinator=true; shift ;;
        --no-clean) clean=false; shift ;;
        --chaos-seed) need "$@"; chaos_seed="$2"; shift 2 ;;
        --) rest+=("$@"); break ;;
        *) rest+=("$1"); shift ;;
    esac
done
[[ " ${rest[*]} " == *" --workers "* ]] || rest=(--workers "$workers" "${rest[@]}")
[[ " ${rest[*]} " == *" --threads "* ]] || rest=(--threads 1 "${rest[@]}")
parse_cluster_options "${rest[@]}"
for n in "$kills" "$kill_servers" "$chaos_seed"; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "$script: '$n' is not a whole number" >&2; exit 2; }
done
[[ "$workers" -ge 2 ]] || { echo "$script: killing workers needs at least 2 of them (--workers)" >&2; exit 2; }
[[ -f "$data_dir/train-images-idx3-ubyte" || -f "$data_dir/train-images-idx3-ubyte.gz" ]] \
    || { echo "$script: no MNIST in $data_dir (scripts/fetch-mnist.sh)" >&2; exit 2; }
RANDOM=$chaos_seed
cd "$root"
build_distnn
logs="$(mktemp -d -t distnn-chaos.XXXXXX)"
declare -A pid_of=()
stop_nodes() { for p in "${pid_of[@]}"; do kill -KILL "$p" 2>/dev/null; done; pid_of=(); }
# sigkill NAME: SIGKILLs the node and reaps it quietly.
sigkill() { { kill -KILL "${pid_of[$1]}"; wait "${pid_of[$1]}"; } 2>/dev/null; unset "pid_of[$1]"; }
trap 'stop_nodes; echo "$script: interrupted (logs in $logs)"; exit 130' INT TERM

node() {
    local name="$1"; shift
    "${distnn[@]}" node "$@" > "$logs/$name.log" 2>&1 &
    pid_of[$name]=$!
}
alive() { [[ -n "${pid_of[$1]:-}" ]] && kill -0 "${pid_of[$1]}" 2>/dev/null; }
lines() { wc -l < "$logs/$1.log" 2>/dev/null || echo 0; }
# wait_line NAME TEXT SECONDS [FROM-LINE]: true once NAME's log has TEXT after FROM-LINE; false on time-out or when the
# coordinator has exited (the run is over).
wait_line() {
    local deadline=$(( $(date +%s) + $3 ))
    while (( $(date +%s) < deadline )); do
        tail -n "+$(( ${4:-0} + 1 ))" "$logs/$1.log" 2>/dev/null | grep -qF -- "$2" && return 0
        alive "$coordinator" || return 1
        sleep 0.1
    done
    return 1
}
# json FILE KEY: a number of the summary JSON.
json() { grep -oE "\"$2\": *[-0-9.eE+]+" "$1" | head -1 | sed -E 's/.*: *//'; }

# run LABEL KILLS SERVER-KILLS KILL-COORDINATOR: one cluster run of the plan; sets kills_done, restarts_done, run_dir, run_ok.
run() {
    local label="$1" want_kills="$2" want_server_kills="$3" want_coordinator="$4"
    run_dir="$logs/$label"; mkdir -p "$run_dir"
    kills_done=0; restarts_done=0; run_ok=true
    local port seed incarnation=0 i n
    port=$(free_port $(( 4400 + RANDOM % 400 )))
    seed="akka.tcp://distnn@127.0.0.1:$port"
    local extra=()
    (( kill_servers > 0 )) && extra+=(--standby-servers 1)
    (( kill_servers > 0 )) || $kill_coordinator && extra+=(--checkpoint-dir "$run_dir/ck")
    coordinator_args=(--role coordinator --host 127.0.0.1 --port "$port" --seed "$seed" --threads 1 --no-progress --data-dir "$data_dir"
        --registration-timeout 180 --summary-json "$run_dir/summary.json")
    coordinator="$label-coordinator"
    node "$coordinator" "${coordinator_args[@]}" --servers "$servers" --workers "$workers" "${extra[@]}" "${train_opts[@]}"
    wait_line "$coordinator" "joined the cluster" 90 || { echo "$script: $label: the coordinator did not start (logs in $logs)"; run_ok=false; return; }
    local active=() standby=""
    for ((i = 0; i < servers; i++)); do
        node "$label-ps$i" --role ps --host 127.0.0.1 --seed "$seed" --threads 1
        active+=("$label-ps$i")
        wait_line "$label-ps$i" "registered ps with the coordinator" 90 || { echo "$script: $label-ps$i did not register"; run_ok=false; return; }
    done
    if (( kill_servers > 0 )); then
        standby="$label-standby0"
        node "$standby" --role ps --host 127.0.0.1 --seed "$seed" --threads 1
        wait_line "$standby" "registered ps with the coordinator" 90 || { echo "$script: $standby did not register"; run_ok=false; return; }
    fi
    local names=()
    for ((i = 0; i < workers; i++)); do
        names+=("w$i")
        node "$label-w$i.0" --role worker --host 127.0.0.1 --seed "$seed" --name "w$i" --data-dir "$data_dir" --threads "$threads"
    done
    declare -A current=()
    for ((i = 0; i < workers; i++)); do current[w$i]="$label-w$i.0"; done
    # The events in a random order; the coordinator's kill halfway.
    local events=()
    for ((i = 0; i < want_kills; i++)); do events+=(worker); done
    for ((i = 0; i < want_server_kills; i++)); do events+=(server); done
    for ((i = ${#events[@]} - 1; i > 0; i--)); do
        n=$(( RANDOM % (i + 1) )); local t="${events[i]}"; events[i]="${events[n]}"; events[n]="$t"
    done
    $want_coordinator && events=("${events[@]:0:$(( ${#events[@]} / 2 ))}" coordinator "${events[@]:$(( ${#events[@]} / 2 ))}")
    wait_line "$coordinator" "test loss" 300 || { [[ ${#events[@]} -eq 0 ]] || echo "$script: $label: no epoch ended before the first kill"; }
    local event from victim name
    for event in "${events[@]}"; do
        alive "$coordinator" || break
        sleep "$(( RANDOM % 3 )).$(( RANDOM % 10 ))"
        alive "$coordinator" || break
        case "$event" in
            worker)
                name="${names[RANDOM % ${#names[@]}]}"
                victim="${current[$name]}"
                from=$(lines "$coordinator")
                sigkill "$victim"
                kills_done=$((kills_done + 1))
                incarnation=$((incarnation + 1))
                current[$name]="$label-$name.$incarnation"
                node "${current[$name]}" --role worker --host 127.0.0.1 --seed "$seed" --name "$name" --data-dir "$data_dir" --threads "$threads"
                restarts_done=$((restarts_done + 1))
                echo "$script: $label: kill $kills_done: worker $name SIGKILLed, replacement started"
                # It trains once an epoch began after it registered: then another may be killed.
                wait_line "${current[$name]}" "registered worker with the coordinator" 120 || break
                from=$(lines "$coordinator")
                wait_line "$coordinator" "test loss" 300 "$from" || break
                ;;
            server)
                # The servers roll back to the latest checkpoint: wait for one.
                local deadline=$(( $(date +%s) + 300 ))
                while ! compgen -G "$run_dir/ck/*/manifest.json" > /dev/null && (( $(date +%s) < deadline )) && alive "$coordinator"; do sleep 0.2; done
                victim="${active[RANDOM % ${#active[@]}]}"
                from=$(lines "$coordinator")
                sigkill "$victim"
                kills_done=$((kills_done + 1))
                echo "$script: $label: kill $kills_done: parameter server node $victim SIGKILLed"
                wait_line "$coordinator" "training again:" 180 "$from" || break
                # The standby took its chunks; a new ps node becomes the next standby.
                active=("${active[@]/$victim/$standby}")
                incarnation=$((incarnation + 1))
                standby="$label-standby$incarnation"
                node "$standby" --role ps --host 127.0.0.1 --seed "$seed" --threads 1
                restarts_done=$((restarts_done + 1))
                wait_line "$standby" "registered ps with the coordinator" 120 || break
                ;;
            coordinator)
                # Resumed from its newest checkpoint: wait for one.
                local deadline=$(( $(date +%s) + 300 ))
                while ! compgen -G "$run_dir/ck/*/manifest.json" > /dev/null && (( $(date +%s) < deadline )) && alive "$coordinator"; do sleep 0.2; done
                alive "$coordinator" || break
                sigkill "$coordinator"
                kills_done=$((kills_done + 1))
                echo "$script: $label: kill $kills_done: coordinator SIGKILLed; resuming it from $run_dir/ck"
                sleep 1
                coordinator="$label-coordinator-resumed"
                node "$coordinator" "${coordinator_args[@]}" --resume "$run_dir/ck"
                restarts_done=$((restarts_done + 1))
                wait_line "$coordinator" "test loss" 300 || break
                ;;
        esac
    done
    if (( kills_done < ${#events[@]} )); then
        echo "$script: $label: the run ended (or stalled) after $kills_done of ${#events[@]} kills: make it longer (--epochs) (logs in $logs)"
        run_ok=false
    fi
    # The end: the coordinator's exit, then every other node still running has 30 s to leave.
    local code=1 deadline
    deadline=$(( $(date +%s) + 1800 ))
    while alive "$coordinator" && (( $(date +%s) < deadline )); do sleep 0.5; done
    wait "${pid_of[$coordinator]}"; code=$?
    unset "pid_of[$coordinator]"
    [[ "$code" -eq 0 ]] || { echo "$script: $label: the coordinator exited with $code (logs in $logs)"; run_ok=false; }
    deadline=$(( $(date +%s) + 30 ))
    for n in "${!pid_of[@]}"; do
        while kill -0 "${pid_of[$n]}" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.2; done
        if kill -0 "${pid_of[$n]}" 2>/dev/null && ! grep -q "with the coordinator at" "$logs/$n.log"; then
            echo "$script: $label: $n, started near the end, never joined the run: stopped"
        elif kill -0 "${pid_of[$n]}" 2>/dev/null; then
            echo "$script: $label: $n still running 30 s after the coordinator ended"; run_ok=false
        else
            wait "${pid_of[$n]}"; code=$?
            [[ "$code" -eq 0 ]] || { echo "$script: $label: $n exited with $code"; run_ok=false; }
        fi
    done
    stop_nodes
}

echo "$script: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; chaos seed $chaos_seed; logs in $logs"
started=$(date +%s)
run chaos "$kills" "$kill_servers" "$kill_coordinator"
chaos_ok=$run_ok; chaos_kills=$kills_done; chaos_restarts=$restarts_done; chaos_dir=$run_dir
echo "$script: the chaos run took $(( $(date +%s) - started )) s"
clean_accuracy=n/a
if $clean; then
    started=$(date +%s)
    run clean 0 0 false
    [[ -f "$run_dir/summary.json" ]] && clean_accuracy=$(awk -v a="$(json "$run_dir/summary.json" test_accuracy)" 'BEGIN { printf "%.2f", 100 * a }')
    echo "$script: the clean run took $(( $(date +%s) - started )) s"
fi
summary="$chaos_dir/summary.json"
if [[ ! -f "$summary" ]]; then
    echo "$script: the chaos run wrote no summary (logs in $logs)"
    echo "chaos: kills=$chaos_kills restarts=$chaos_restarts samples_lost=n/a samples_doubled=n/a accuracy=n/a clean_accuracy=$clean_accuracy"
    exit 1
fi
expected=$(json "$summary" samples_expected); applied=$(json "$summary" samples_applied); doubled=$(json "$summary" samples_doubled)
lost=$(( expected - applied ))
accuracy=$(awk -v a="$(json "$summary" test_accuracy)" 'BEGIN { printf "%.2f", 100 * a }')
echo "chaos: kills=$chaos_kills restarts=$chaos_restarts samples_lost=$lost samples_doubled=${doubled:-n/a} accuracy=$accuracy clean_accuracy=$clean_accuracy"
$chaos_ok && [[ "$lost" -eq 0 && "${doubled:-1}" -eq 0 ]] || { echo "$script: logs in $logs"; exit 1; }
rm -rf "$logs"
