# Shared by scripts/local-cluster.sh and scripts/netns-cluster.sh (sourced, not run):
# option parsing, building distnn, starting nodes with prefixed output, waiting for the result, stopping everything.
# The caller sets `script` (its name for messages) and `usage_lines` (the sed range of its help comment).

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

servers=2
servers_given=false
workers=2
port=""
data_dir="$root/data/mnist"
threads=""
late=""
tls=false
coordinator_ps=""   # 1: --coordinator-ps
worker_ps=false     # --worker-ps
coordinator_worker_ps=false   # --coordinator-worker-ps
pin=false
certs=""
scheme=akka.tcp
train_opts=()
pids=()

usage() { sed -n "${usage_lines}p" "$0" | sed 's/^# \{0,1\}//'; }
need() { [[ $# -ge 2 && -n "$2" ]] || { echo "$script: $1 needs a value" >&2; exit 2; }; }

parse_cluster_options() {
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --servers) need "$@"; servers="$2"; servers_given=true; shift 2 ;;
            --workers) need "$@"; workers="$2"; shift 2 ;;
            --port) need "$@"; port="$2"; shift 2 ;;
            --data-dir) need "$@"; data_dir="$(cd "$2" 2>/dev/null && pwd || echo "$2")"; shift 2 ;;
            --threads) need "$@"; threads="$2"; shift 2 ;;
            --late-worker) need "$@"; late="$2"; shift 2 ;;
            --tls) tls=true; shift ;;
            --coordinator-ps) coordinator_ps=1; shift ;;
            --pin) pin=true; shift ;;
            --worker-ps) worker_ps=true; shift ;;
            --coordinator-worker-ps) coordinator_worker_ps=true; shift ;;
            -h|--help) usage; exit 0 ;;
            --) shift; train_opts=("$@"); break ;;
            *) echo "$script: unknown option '$1' (training options go after --)" >&2; usage >&2; exit 2 ;;
        esac
    done
    local n
    for n in "$servers" "$workers" "${port:-0}"; do
        [[ "$n" =~ ^[0-9]+$ ]] || { echo "$script: '$n' is not a whole number" >&2; exit 2; }
    done
    [[ -z "${DISTNN_WORKER_NICE:-}" || "$DISTNN_WORKER_NICE" =~ ^-?[0-9]+$ ]] \
        || { echo "$script: DISTNN_WORKER_NICE='$DISTNN_WORKER_NICE' is not a whole number" >&2; exit 2; }
    local entry cpus_list="${DISTNN_NODE_CPUS:-}"
    for entry in ${cpus_list//,/ }; do
        [[ "$entry" =~ ^[a-z]+(-[0-9]+)?:[0-9]+([-+][0-9]+)*$ ]] \
            || { echo "$script: DISTNN_NODE_CPUS: '$entry' is not NODE:CPUS (e.g. worker-0:0 or ps-0:0-1)" >&2; exit 2; }
    done
    if [[ -n "$coordinator_ps" || "$pin" == true || "$worker_ps" == true || "$coordinator_worker_ps" == true ]] && [[ "$script" != local-cluster ]]; then
        echo "$script: --coordinator-ps, --worker-ps, --coordinator-worker-ps and --pin are options of scripts/local-cluster.sh only" >&2; exit 2
    fi
    if (( ${coordinator_ps:-0} + $([[ "$worker_ps" == true ]] && echo 1 || echo 0) + $([[ "$coordinator_worker_ps" == true ]] && echo 1 || echo 0) > 1 )); then
        echo "$script: --coordinator-ps, --worker-ps and --coordinator-worker-ps each place the servers: choose one" >&2; exit 2
    fi
    if $coordinator_worker_ps; then
        # A server beside each worker, the first in the coordinator's node: as many servers as workers.
        if $servers_given && [[ "$servers" != "$workers" ]]; then
            echo "$script: --coordinator-worker-ps runs one server beside each worker: --servers $servers must be --workers $workers, or left out" >&2; exit 2
        fi
        servers="$workers"
    fi
    [[ -z "$late" || "$late" =~ ^[0-9]+$ ]] || { echo "$script: --late-worker takes whole seconds, not '$late'" >&2; exit 2; }
    [[ "$servers" -ge 1 && "$workers" -ge 1 ]] || { echo "$script: need at least 1 server and 1 worker" >&2; exit 2; }
    if [[ -z "$threads" ]]; then
        threads=$(( $(nproc) / workers )); [[ "$threads" -ge 1 ]] || threads=1
    fi
}

# DISTNN_DLL=path/to/distnn.dll skips the build and runs that one (the integration tests pass theirs).
build_distnn() {
    if [[ -n "${DISTNN_DLL:-}" ]]; then
        [[ -f "$DISTNN_DLL" ]] || { echo "$script: DISTNN_DLL=$DISTNN_DLL does not exist" >&2; exit 1; }
        distnn=("dotnet" "$DISTNN_DLL")
        return
    fi
    echo "$script: building distnn (Release)…"
    dotnet build "$root/src/DistNN.Cli" -c Release -nologo -v quiet >/dev/null || { echo "$script: build failed" >&2; exit 1; }
    distnn=("dotnet" "$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll")
}

# make_cluster_certs: with --tls, a private CA and a certificate per node (coordinator, ps-I, worker-J, the late worker
# included; scripts/make-certs.sh) in a temporary folder (remove_certs deletes it), and the seed scheme akka.ssl.tcp.
make_cluster_certs() {
    $tls || return 0
    local names=(coordinator) i
    for ((i = 0; i < servers; i++)); do names+=("ps-$i"); done
    for ((i = 0; i <= workers; i++)); do names+=("worker-$i"); done
    certs="$(mktemp -d)"
    "$root/scripts/make-certs.sh" "$certs" "${names[@]}" || { echo "$script: could not make the certificates" >&2; exit 1; }
    scheme=akka.ssl.tcp
}

remove_certs() { [[ -z "$certs" ]] || rm -rf "$certs"; }

# tls_for NAME: the node's TLS options, one per line (none without --tls); they cover Akka.Remote and the data plane.
tls_for() { $tls && printf '%s\n' --tls-cert "$certs/$1.pem" --tls-key "$certs/$1.key" --tls-ca "$certs/ca.pem"; }

# free_port FROM: the first port from FROM on where nothing listens on loopback (another cluster may hold 4053).
free_port() {
    local p
    for ((p = $1; p < $1 + 200; p++)); do
        (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    echo "$script: no free port in $1..$(($1 + 199))" >&2
    exit 1
}

# start_node NAME [COMMAND PREFIX…] -- NODE ARGS…: runs `[prefix] distnn node ARGS…` in the background with its
# output prefixed by [NAME]. A node runs long: without tiered compilation (unless DOTNET_TieredCompilation says
# otherwise) it compiles each method once, optimized, at its first call, instead of re-compiling the hot ones on a
# background thread during training, where several nodes' compilers take CPU from the workers (docs/performance.md).
# DISTNN_WORKER_NICE=N starts the worker nodes at niceness N (e.g. 5: the servers and the coordinator, at 0, then run
# first when they have work; any user may raise a niceness).
# DISTNN_NODE_CPUS=NAME:LIST,NAME:LIST… starts each named node under `taskset -c LIST` (e.g. worker-0:0,worker-1:1 pins
# each worker to its own core; a node not named runs where the scheduler puts it; LIST as taskset takes it, 0-1 or 0+1).
# (`distnn node --cpus LIST` does the same from inside the node; scripts/local-cluster.sh --pin uses that.)
# DISTNN_OTHER_NICE=N runs every thread of every node but the compute threads at niceness N (nice_others below).
start_node() {
    local name="$1"; shift
    local prefix=() entry cpus cpus_list="${DISTNN_NODE_CPUS:-}"
    while [[ "$1" != "--" ]]; do prefix+=("$1"); shift; done
    shift
    if [[ "$name" == worker-* && -n "${DISTNN_WORKER_NICE:-}" ]]; then
        prefix=(nice -n "$DISTNN_WORKER_NICE" "${prefix[@]}")
    fi
    for entry in ${cpus_list//,/ }; do
        if [[ "${entry%%:*}" == "$name" ]]; then cpus="${entry#*:}"; prefix=(taskset -c "${cpus//+/,}" "${prefix[@]}"); fi
    done
    DOTNET_TieredCompilation="${DOTNET_TieredCompilation:-0}" \
        "${prefix[@]}" "${distnn[@]}" node "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
    pids+=("$!")
    [[ -z "${DISTNN_OTHER_NICE:-}" ]] || nice_others "$!" "$DISTNN_OTHER_NICE" &
}

# nice_others PID N: while the node PID lives, every thread of it but the compute threads (distnn.compute-N) at
# niceness N, the compute threads at 0 (DISTNN_OTHER_NICE=N; a measurement of the compute threads' preemption by the
# nodes' messaging threads, docs/performance.md 2026-12-02). Threads a niced thread starts inherit N; a compute thread
# started by one is set back to 0, which needs CAP_SYS_NICE (without it, it stays at N).
nice_others() {
    local task comm fields
    while kill -0 "$1" 2>/dev/null; do
        for task in /proc/"$1"/task/*; do
            comm=$(cat "$task/comm" 2>/dev/null) || continue
            read -ra fields < "$task/stat" 2>/dev/null || continue
            # field 19 (nice), counted from the end of the stat line's comm, which may hold spaces: 52 fields in all
            local nice=${fields[$((${#fields[@]} - 52 + 18))]}
            if [[ "$comm" == distnn.compute* ]]; then
                [[ "$nice" == 0 ]] || renice -n 0 -p "${task##*/}" > /dev/null 2>&1
            else
                [[ "$nice" == "$2" ]] || renice -n "$2" -p "${task##*/}" > /dev/null 2>&1
            fi
        done
        sleep 1
    done
}

stop_all() {
    local pid alive
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for _ in $(seq 1 20); do   # give CoordinatedShutdown up to 10 s
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ "$alive" -eq 0 ]] && return
        sleep 0.5
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
}

# wait_for_result: waits for the coordinator (pids[0]); then gives the other nodes 20 s to leave the cluster.
# Exits with the coordinator's code, or 1 when training completed but another node did not exit cleanly.
wait_for_result() {
    local code others pid alive
    wait "${pids[0]}"
    code=$?
    for _ in $(seq 1 40); do
        alive=0
        for pid in "${pids[@]:1}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ "$alive" -eq 0 ]] && break
        sleep 0.5
    done
    others=0
    for pid in "${pids[@]:1}"; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "$script: node pid $pid still running 20 s after the coordinator ended; stopping it" >&2
            others=1
        else
            wait "$pid" || { echo "$script: node pid $pid exited with $?" >&2; others=1; }
        fi
    done
    stop_all
    if [[ "$code" -eq 0 && "$others" -ne 0 ]]; then
        echo "$script: training completed but not every node exited cleanly" >&2
        code=1
    fi
    echo "$script: coordinator exited with $code"
    return "$code"
}
