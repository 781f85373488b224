#!/usr/bin/env bash
# The container topology without Docker: the same cluster as scripts/local-cluster.sh, but every node runs in its
# own network namespace with its own address on a private bridge (10.77.0.0/24), so nodes talk over real
# interfaces, not loopback. The bridge itself lives in a namespace of its own: the host's network is not touched.
# Needs root (ip netns). Removes every namespace it made, also on Ctrl-C.
#
#   scripts/netns-cluster.sh [--servers M] [--workers N] [--port P] [--data-dir DIR] [--threads T]
#                            [--late-worker SECONDS] [--tls] [-- TRAINING OPTIONS…]
#
#   same options as scripts/local-cluster.sh (--tls: mutual TLS on Akka.Remote and the data plane, a certificate per
#   node); --port is the Akka.Remote port of every node (each has its own address)
#   coordinator 10.77.0.2, parameter servers 10.77.0.10…, workers 10.77.0.100…
#
# Example: sudo scripts/netns-cluster.sh --servers 2 --workers 2 -- --model mlp --epochs 1 --train-limit 20000
set -uo pipefail
script=netns-cluster
usage_lines=2,15
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster-common.sh"
parse_cluster_options "$@"
cd "$root"

if [[ "$(id -u)" -ne 0 ]]; then
    echo "$script: needs root to create network namespaces (ip netns); run it as root, or use scripts/local-cluster.sh" >&2
    exit 2
fi
command -v ip >/dev/null || { echo "$script: the 'ip' tool (iproute2) is missing" >&2; exit 2; }
[[ "$servers" -le 80 && "$workers" -lt 150 ]] || { echo "$script: at most 80 servers and 149 workers (one /24)" >&2; exit 2; }

tag="dnn$$"
bridge_ns="$tag-br"
namespaces=()

cleanup() {
    stop_all
    local ns
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
    remove_certs
}
trap 'echo "$script: interrupted, stopping every node"; cleanup; exit 130' INT TERM

# make_node_ns NAME ADDRESS: a namespace with lo and eth0 (ADDRESS/24), eth0's peer on the bridge.
make_node_ns() {
    local ns="$tag-$1" address="$2" peer="v${#namespaces[@]}"
    ip netns add "$ns" || return 1
    namespaces+=("$ns")
    ip -n "$bridge_ns" link add "$peer" type veth peer name eth0 netns "$ns" || return 1
    ip -n "$bridge_ns" link set "$peer" master br0 up || return 1
    ip -n "$ns" addr add "$address/24" dev eth0 || return 1
    ip -n "$ns" link set eth0 up || return 1
    ip -n "$ns" link set lo up || return 1
}

setup() {
    ip netns add "$bridge_ns" || return 1
    namespaces+=("$bridge_ns")
    ip -n "$bridge_ns" link add br0 type bridge || return 1
    ip -n "$bridge_ns" link set br0 up || return 1
    make_node_ns coordinator 10.77.0.2 || return 1
    local i
    for ((i = 0; i < servers; i++)); do make_node_ns "ps-$i" "10.77.0.$((10 + i))" || return 1; done
    for ((i = 0; i <= workers; i++)); do make_node_ns "worker-$i" "10.77.0.$((100 + i))" || return 1; done
}

if ! setup; then
    echo "$script: could not build the namespaces and the bridge" >&2
    cleanup
    exit 1
fi
echo "$script: namespaces ready: ${namespaces[*]}"
build_distnn

port="${port:-4053}"   # every node has its own address: no clash with anything else
make_cluster_certs
seed="$scheme://distnn@10.77.0.2:$port"
mapfile -t t < <(tls_for coordinator)
start_node coordinator ip netns exec "$tag-coordinator" -- --role coordinator --host 10.77.0.2 --port "$port" \
    --seed "$seed" --data-dir "$data_dir" --servers "$servers" --workers "$workers" ${late:+--elastic} "${t[@]}" "${train_opts[@]}"
for ((s = 0; s < servers; s++)); do
    mapfile -t t < <(tls_for "ps-$s")
    start_node "ps-$s" ip netns exec "$tag-ps-$s" -- --role ps --host "10.77.0.$((10 + s))" --port "$port" --seed "$seed" "${t[@]}"
done
start_worker() {
    mapfile -t t < <(tls_for "worker-$1")
    start_node "worker-$1" ip netns exec "$tag-worker-$1" -- --role worker --host "10.77.0.$((100 + $1))" --port "$port" \
        --seed "$seed" --data-dir "$data_dir" --name "worker-$1" --threads "$threads" "${t[@]}"
}
for ((w = 0; w < workers; w++)); do start_worker "$w"; done
if [[ -n "$late" ]]; then
    sleep "$late"
    echo "$script: starting the late worker-$workers"
    start_worker "$workers"
fi
wait_for_result
code=$?
cleanup
exit "$code"
