#!/usr/bin/env bash
# Resident memory of each worker node against the number of workers (a script, not part of CI): for each count, a
# loopback cluster (scripts/local-cluster.sh: coordinator, 1 ps, N workers × 1 thread) trains one epoch, and every
# worker node's VmHWM (peak resident set) and VmRSS are read from /proc/PID/status every 0.2 s until it exits; the
# last reading of each is its figure. Prints one line per count: the workers' peak and final RSS in MB, and the
# coordinator node's peak (it reads the training set's headers and labels and the test set, not the training images).
# Usage: scripts/worker-memory.sh [train-limit] [workers…]   (defaults: 60000 samples, 1 2 4; model mlp, batch 32)
#   DISTNN_DLL=path/to/distnn.dll measures that build (e.g. an older one) instead of building this tree.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
limit="${1:-60000}"
shift || true
[ $# -gt 0 ] && counts=("$@") || counts=(1 2 4)
out="$root/runs/worker-memory"
mkdir -p "$out"
if [[ -z "${DISTNN_DLL:-}" ]]; then
    dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
    export DISTNN_DLL="$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll"
fi
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), $DISTNN_DLL"
printf '%8s %28s %28s %16s %10s\n' workers peak_MB_per_worker final_MB_per_worker coordinator_peak status

# watch SEED: every 0.2 s, the VmHWM and VmRSS (kB) of each worker node of the cluster whose seed is SEED, into $out/mem-*,
# and the coordinator's into $out/coordinator-*.
watch() {
    local seed="$1" pid line role
    while :; do
        for role in worker coordinator; do
            for pid in $(pgrep -f -- "--role $role .*--seed $seed( |$)"); do
                line=$(grep -E '^Vm(HWM|RSS):' "/proc/$pid/status" 2>/dev/null | awk '{printf "%s ", $2}')
                [ -n "$line" ] && echo "$line" > "$out/$([ "$role" = worker ] && echo mem || echo coordinator)-$pid"
            done
        done
        sleep 0.2
    done
}

for n in "${counts[@]}"; do
    rm -f "$out"/mem-* "$out"/coordinator-*
    # A port of its own: another cluster starting at the same moment on the default 4053 would take in this one's nodes.
    port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
    watch "akka.tcp://distnn@127.0.0.1:$port" &
    watcher=$!
    scripts/local-cluster.sh --servers 1 --workers "$n" --threads 1 --port "$port" -- --model mlp --batch-size 32 --epochs 1 \
        --train-limit "$limit" --optimizer sgd --lr 0.05 > "$out/run-$n.log" 2>&1
    status=$?
    kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
    peaks=$(cat "$out"/mem-* 2>/dev/null | awk '{printf "%.0f,", $1 / 1024}' | sed 's/,$//')
    finals=$(cat "$out"/mem-* 2>/dev/null | awk '{printf "%.0f,", $2 / 1024}' | sed 's/,$//')
    coordinator=$(cat "$out"/coordinator-* 2>/dev/null | awk '{printf "%.0f", $1 / 1024}')
    printf '%8s %28s %28s %16s %10s\n' "$n" "${peaks:-none}" "${finals:-none}" "${coordinator:-none}" "exit $status"
done
rm -f "$out"/mem-* "$out"/coordinator-*
