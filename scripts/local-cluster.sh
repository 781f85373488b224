#!/usr/bin/env bash
# Runs a DistNN cluster on this machine's loopback: 1 coordinator (the seed), M parameter-server nodes and
# N worker nodes, each its own `distnn node` process, their output prefixed with the node's name.
# Waits for the coordinator's result and stops every process it started, also on Ctrl-C.
#
#   scripts/local-cluster.sh [--servers M] [--workers N] [--port P] [--data-dir DIR] [--threads T]
#                            [--late-worker SECONDS] [--tls] [--coordinator-ps | --worker-ps | --coordinator-worker-ps] [--pin]
#                            [-- TRAINING OPTIONS…]
#
#   --servers M          parameter-server nodes (default 2)
#   --workers N          worker nodes the plan waits for (default 2)
#   --port P             the coordinator's Akka.Remote port, the seed (default: 4053, or the next free one)
#   --data-dir DIR       MNIST IDX folder (default data/mnist; scripts/fetch-mnist.sh fills it)
#   --threads T          compute threads per worker node (default: cores / workers, at least 1)
#   --late-worker S      start one more worker S seconds after the others (it joins from the next epoch; the coordinator
#                        gets --elastic, without which the plan's worker count is a limit)
#   --tls                mutual TLS on Akka.Remote and the tensor data plane: scripts/make-certs.sh makes a CA and a
#                        certificate per node in a temporary folder (removed at the end), every node starts with its own
#   --coordinator-ps     the coordinator's node also runs the first parameter server (`distnn node --role coordinator,ps`):
#                        one runtime fewer; ps-1… (with --servers 2 or more) run in nodes of their own
#   --worker-ps          worker-W also runs parameter server W (`distnn node --role worker,ps`) for W below the servers,
#                        the colocated layout: that worker reaches its own server in memory; servers beyond the workers
#                        run in nodes of their own
#   --coordinator-worker-ps  a server beside each worker and no node of the coordinator's own: the coordinator's node
#                        also runs worker-0 and ps-0 (`distnn node --role coordinator,worker,ps`), worker-W for W ≥ 1 runs
#                        ps-W (`--role worker,ps`); the servers are as many as the workers (--servers may be left out),
#                        so 2 workers run in 2 processes, one per core of a 2-core host
#   --pin                each node runs on one core (`distnn node --cpus`, and DOTNET_PROCESSOR_COUNT=1): worker-W on
#                        core W, ps-S on core S, the coordinator on the core after the servers' (modulo the cores; core 0
#                        with --coordinator-ps or --coordinator-worker-ps), so that on 2 cores the ps and the coordinator
#                        each share a core with one worker (docs/performance.md)
#   DISTNN_NODE_CPUS=NODE:CPUS,…  (environment) pins the named nodes with taskset instead, e.g. worker-0:0,ps-0:0
#   everything after --  goes to the coordinator: the options of `distnn train` (--model, --epochs, --summary-json …)
#
# Example: scripts/local-cluster.sh --servers 2 --workers 2 -- --model mlp --epochs 5 --summary-json runs/cluster.json
# The exit code is the coordinator's (0 when training completed and the cluster stopped cleanly).
set -uo pipefail
script=local-cluster
usage_lines=2,36
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster-common.sh"
parse_cluster_options "$@"
cd "$root"
build_distnn
trap 'echo "$script: interrupted, stopping every node"; stop_all; exit 130' INT TERM

host=127.0.0.1
port="${port:-$(free_port 4053)}"
trap remove_certs EXIT
make_cluster_certs
seed="$scheme://distnn@$host:$port"
cores=$(nproc)
# pin_to INDEX: --cpus for the node of that index with --pin, nothing without.
pin_to() { $pin && printf '%s\n' --cpus "$(($1 % cores))"; }
# A pinned node's runtime sizes itself for its one core (as under taskset, which it reads at start): no spin-waiting
# for a thread that cannot run meanwhile, thread pools of one core's size.
! $pin || export DOTNET_PROCESSOR_COUNT=1
mapfile -t t < <(tls_for coordinator; pin_to "$([[ -n "$coordinator_ps" ]] || $coordinator_worker_ps && echo 0 || echo "$servers")")
coordinator_role="coordinator${coordinator_ps:+,ps}"
# --coordinator-worker-ps: the coordinator's node is also worker-0 (named and threaded as the other workers) with ps-0.
! $coordinator_worker_ps || { coordinator_role=coordinator,worker,ps; t+=(--name worker-0 --threads "$threads"); }
start_node coordinator -- --role "$coordinator_role" --host "$host" --port "$port" --seed "$seed" --data-dir "$data_dir" \
    --servers "$servers" --workers "$workers" ${late:+--elastic} "${t[@]}" "${train_opts[@]}"
# With --worker-ps the first servers run in the workers' nodes; with --coordinator-worker-ps every one does.
first_ps=${coordinator_ps:-0}
! $worker_ps || first_ps=$(( servers < workers ? servers : workers ))
! $coordinator_worker_ps || first_ps=$servers
for ((s = first_ps; s < servers; s++)); do
    mapfile -t t < <(tls_for "ps-$s"; pin_to "$s")
    start_node "ps-$s" -- --role ps --host "$host" --port 0 --seed "$seed" "${t[@]}"
done
for ((w = $($coordinator_worker_ps && echo 1 || echo 0); w < workers; w++)); do
    mapfile -t t < <(tls_for "worker-$w"; pin_to "$w")
    role=worker
    ! $worker_ps || (( w >= servers )) || role=worker,ps
    ! $coordinator_worker_ps || role=worker,ps
    start_node "worker-$w" -- --role "$role" --host "$host" --port 0 --seed "$seed" --data-dir "$data_dir" \
        --name "worker-$w" --threads "$threads" "${t[@]}"
done
if [[ -n "$late" ]]; then
    sleep "$late"
    echo "$script: starting the late worker-$workers"
    mapfile -t t < <(tls_for "worker-$workers"; pin_to "$workers")
    start_node "worker-$workers" -- --role worker --host "$host" --port 0 --seed "$seed" --data-dir "$data_dir" \
        --name "worker-$workers" --threads "$threads" "${t[@]}"
fi
wait_for_result
