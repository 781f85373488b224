#!/usr/bin/env bash
# The simulator against what this machine runs for real (a script, not part of CI): for 2 and 4 workers, the same plan
# as a loopback cluster (scripts/local-cluster.sh: coordinator, 1 ps, N workers × 1 thread, data plane) and as
# `distnn simulate`, and the ratio of their samples/s (within 15 % is the target).
# The real run's figure is its last epoch's samples/s (2 epochs: the first one's start-up — joining, the first pulls,
# the jitting of every node — is not what the simulation models). Every node of the real cluster is a process on this
# machine's cores, so the simulation runs with --cores $(nproc): a node's work goes at min(1, cores / nodes working) of
# full speed. One set of inputs for every worker count, each a CPU time measured before the runs, nothing fitted to them:
#   - compute per batch: the step bench's process CPU time per step (`distnn bench --model cnn --threads 1`,
#     ms_cpu_per_step: what the batch costs a core, which other work on the machine stretches far less than wall time),
#     with N benches running at once for the N-worker run (the real workers compute side by side on the shared cores:
#     caches and the scheduler's switches cost CPU the solo bench does not see); every bench and node runs without tiered
#     compilation, as scripts/lib/cluster-common.sh starts the nodes;
#   - the messages: push-pull round trips of the model's gradient on loopback (`distnn bench --push-pull`, the server
#     in a child process), the dense push whole and in a part per layer (`--parts`, the same bytes in more messages):
#     each side's CPU per round trip (the server's less its optimizer update) is a fixed cost per message plus a cost per
#     frame byte, solved from the two; a top-k push is measured as a check of both. Loopback has no wire of its own: its
#     copying is in those CPU times, so the link is unlimited (1000GB/s);
#   - the server's CPU per sync round beyond that (--server-round-us): `distnn bench --push-pull --clients N --parts P
#     --round-ms T --part-shares S`, N clients pushing a part per layer with weights to the real server in sync mode, a
#     round every T (the step time the simulation predicts without the control plane and this charge, as for the
#     control plane below), each part at its layer's share of the backward profile (S) into the round, its CPU per
#     round less its idle CPU and less what the inputs above charge for the same round (N pushes' and their replies'
#     messages and bytes, N gradients added, one update); and a client's CPU per round there, less the clients' idle
#     CPU and its messages' charge, is a worker's beyond its compute and messages (--worker-round-us);
#   - the hand-off latency (--latency): the round trip of a push's last part alone (`--last-part-alone`: the first
#     chunk, sent once the other parts are answered) while as many step benches as cores keep every core busy, as the
#     real workers' compute does, less its CPU (four messages' fixed costs and its bytes), half each way;
#   - the servers' arithmetic and the backward profile (when each layer's gradients are final, for the overlapped
#     pushes the real workers make by default): measured by `distnn simulate` (one probe run), then given to every run;
#   - each node's background (--background-cores): an idle cluster of the same shape (the coordinator waits for one
#     more worker than it gets, so nothing trains) beside a step bench per core, each node's CPU-seconds per second
#     from /proc after registration;
#   - the coordinator's CPU per batch (--control-us): `distnn bench --control-plane --process-per-worker` (N workers,
#     each in a child process of its own as the real worker nodes, finish a batch each per step and report them over
#     Akka.Remote as a remote worker does, held up to 100 ms and sent together, to an actor on the coordinator's
#     dispatcher; its process's CPU less its idle CPU, per batch reported), at the pace of a step as the simulation
#     predicts it without this charge.
# The server's and a worker's rounds and the control plane of the N-worker run come from one measurement in which N
# step benches, the sync push-pull bench and the control-plane bench run side by side (the real run's pieces on cores as
# busy as it keeps them, none of it the real cluster): a wake-up on a busy core costs a node more CPU than on an idle one.
# The compute per batch of the N-worker run is the median of four measurements of N step benches' CPU per step: at
# once at the start, beside those two benches, right before the real N-worker run and right after it: one measurement
# moves with whatever else the shared machine runs at its moment (docs/simulation.md), and the input stands for the
# real run's moment, which the last two bracket. The step benches at the start still give the pace. The hand-off
# latency is the median of three measurements: one mean rides on its tail.
# What running inside a real cluster costs a batch beyond step benches is modelled as preemption (docs/simulation.md):
# on the shared cores, every wake-up of a thread that is not a worker's compute (a message read or written, a server's
# update, the coordinator's report) while k workers compute preempts one of them with probability min(1, k / cores), and
# each preemption costs the compute --preemption-us (its caches refilled). The simulation counts the preemptions; their
# cost is measured before the runs it is validated against, by real 1-worker clusters of their own
# (--calibration-runs of them, 2 by default; the same model and batch, --calibration-samples an epoch, 2 epochs,
# launched and sampled as the validation runs are): the median of their worker's compute thread's CPU per batch in the
# last epoch, less the pushes' sends (the compute thread sends them inline, and the messages' input already charges
# them: a message's fixed cost per part and the push's frame bytes), less the median of step benches alone run between
# them (one before each cluster and one after the last: a process's CPU per step is bimodal, so one of each is one
# draw), over the preemptions per batch that the simulation of the same 1-worker run counts. The cost, its inputs and
# both ratios (with it: the validation's result; without it, every other input the same) are printed; the round
# benches' pace is the simulation's step with it. --no-calibration leaves it out (0, one ratio).
# Beside the ratio: the load average over the run, the real workers' compute + wait per batch beside the simulated
# workers' (on the virtual clock), each real worker's compute thread's CPU per batch beside the compute input (a check
# of that input, not an input), and the CPU time each real node used in the last epoch per sync round (from /proc, sampled every 0.2 s
# by scripts/lib/cpu-samples.py, which forks nothing, up to the epoch's training end: its evaluation left out), beside
# what the simulation charged each node per round (--node-cpu). Last, each run replayed: simulated again with the compute
# its own workers' compute threads spent (less their sends) and no preemption, which separates the model's error from
# the compute input's (not a prediction: the input is taken from the run it is compared with).
# Usage: scripts/validate-simulator.sh [--no-calibration] [--calibration-runs K] [--calibration-samples S] [train-limit] [workers…]
#        (defaults: the cost per preemption from 2 1-worker clusters of 6000 samples an epoch; 6000 samples, 2 4; cnn, batch 32)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
calibrate=true
calib_limit=6000
calib_runs=2
while [[ "${1:-}" == --* ]]; do
    case "$1" in
        --no-calibration) calibrate=false; shift ;;
        --calibration-samples)
            [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "validate-simulator: --calibration-samples needs a whole number" >&2; exit 2; }
            calib_limit="$2"; shift 2 ;;
        --calibration-runs)
            [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "validate-simulator: --calibration-runs needs a whole number above 0" >&2; exit 2; }
            calib_runs="$2"; shift 2 ;;
        *) echo "validate-simulator: unknown option '$1'" >&2; exit 2 ;;
    esac
done
limit="${1:-6000}"
shift || true

[ $# -gt 0 ] && counts=("$@") || counts=(2 4)
model=cnn
batch=32
out="$root/runs/validate-simulator"
mkdir -p "$out"
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
export DISTNN_DLL="$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll"
# The benches compile as the nodes do (scripts/lib/cluster-common.sh: tiered compilation off).
distnn() { DOTNET_TieredCompilation="${DOTNET_TieredCompilation:-0}" dotnet "$DISTNN_DLL" "$@"; }
json() { python3 -c "import json,sys; r=json.loads(sys.argv[1]); print($2)" "$1"; }
free_port() { python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()"; }
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -qw avx512f /proc/cpuinfo && echo avx512f || echo 'no avx512f'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

# steps K: K step benches at once; prints their mean CPU per step (ms), wall median and fastest step.
steps() {
    local i pids=()
    for ((i = 0; i < $1; i++)); do
        distnn bench --model "$model" --batch "$batch" --threads 1 --seconds 5 2>/dev/null | tail -1 > "$out/step-$1-$i.json" & pids+=($!)
    done
    wait "${pids[@]}"
    python3 -c "
import json, sys
r = [json.load(open('$out/step-$1-%d.json' % i)) for i in range($1)]
print(round(sum(x['ms_cpu_per_step'] for x in r) / len(r), 3), round(sum(x['ms_per_step_median'] for x in r) / len(r), 1), round(min(x['ms_min'] for x in r), 1))"
}
declare -A compute compute_runs compute_raw
# median V…: the median of the values.
median() { python3 -c "import statistics, sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 3))" "$@"; }
read -r solo solo_median solo_min < <(steps 1)
echo "compute: $solo ms CPU per batch, one step bench alone (1 thread; wall median $solo_median ms, fastest $solo_min ms)"
for n in "${counts[@]}"; do
    read -r c c_median c_min < <(steps "$n")
    compute[$n]=$c
    compute_runs[$n]=$c
    echo "compute: ${compute[$n]} ms CPU per batch with $n step benches at once (wall median $c_median ms, fastest $c_min ms): the $n-worker run's pace"
done

probe=$(distnn simulate --model "$model" --batch-size "$batch" --workers 1 --steps 1 --compute-ms 1 2>/dev/null)
add_ns=$(echo "$probe" | grep -m1 'ns per gradient value' | sed -E 's/.*servers ([0-9.]+) ns per gradient value.*/\1/')
update_ns=$(echo "$probe" | grep -m1 'ns per gradient value' | sed -E 's/.* \+ ([0-9.]+) ns per weight updated.*/\1/')
profile=$(echo "$probe" | grep -m1 '^overlap on' | sed -E 's/.*layer 0 first\): ([0-9.,]+);.*/\1/')
# The layers with trainable weights: a real worker pushes a part for each, as its layer's gradients become final.
read -r -a weight_layers < <(echo "$probe" | grep -m1 '^overlap on' | sed -E 's/.*a push part each\): ([0-9,]+)$/\1/' | tr ',' ' ')
echo "backward profile (share of the batch's compute done when each layer's gradients are final, layer 0 first): $profile; layers with weights: ${weight_layers[*]}"
[ ${#weight_layers[@]} -gt 0 ] || { echo "validate-simulator: the probe named no layer with weights" >&2; exit 1; }

# Each side's CPU per round trip = per message × messages + per byte × frame bytes. The dense push whole and in as many
# parts as the model has layers with weights (as an overlapped worker sends it: the same bytes in 2 × parts messages)
# give the cost per message and per byte; the top-k push (fewer bytes, one message) is a check of the two, not an input.
parts=$(echo "$profile" | tr ',' '\n' | grep -c .)
pp=$(distnn bench --push-pull --carrier dataplane --seconds 3 2>/dev/null | tail -1)
pn=$(distnn bench --push-pull --carrier dataplane --seconds 3 --parts "$parts" 2>/dev/null | tail -1)
pk=$(distnn bench --push-pull --carrier dataplane --seconds 3 --compression topk:0.01 2>/dev/null | tail -1)
read -r worker_ns server_ns worker_us server_us check < <(python3 -c "
import json, sys
d, n, k = (json.loads(a) for a in sys.argv[1:4])
frame = lambda r: r['push_bytes_on_wire'] + r['reply_bytes_on_wire']
per = lambda r, side, less: r[side] / r['round_trips'] - less
def fit(side, less):
    m = max(0.0, (per(n, side, less) - per(d, side, less)) / (2 * n['parts'] - 2))
    b = max(0.0, (per(d, side, less) - 2 * m) / frame(d))
    return b, m
update = d['floats'] * $update_ns * 1e-9
wb, wm = fit('client_cpu_seconds', 0.0)
sb, sm = fit('server_cpu_seconds', update)
# The top-k bench as a check: its measured CPU per round trip against what the two costs give it.
check = f\"{per(k, 'client_cpu_seconds', 0) * 1e3:.3f}/{(2 * wm + wb * frame(k)) * 1e3:.3f}ms,{per(k, 'server_cpu_seconds', update) * 1e3:.3f}/{(2 * sm + sb * frame(k)) * 1e3:.3f}ms\"
print(round(wb * 1e9, 4), round(sb * 1e9, 4), round(wm * 1e6, 1), round(sm * 1e6, 1), check)" "$pp" "$pn" "$pk")
# A real round: the model's layers with weights (the probe's list above) are a worker's push parts, each leaving at its
# layer's share of the backward profile; the bench's parts are the chunks in consecutive groups, a (weights, bias) pair each.
shares=$(python3 -c "p = '$profile'.split(','); print(','.join(p[i] for i in [$(IFS=,; echo "${weight_layers[*]}")]))")
for r in "$pp" "$pn" "$pk"; do
    echo "messages: push-pull ($(json "$r" "r['compression']"), $(json "$r" "r['parts']") part(s)) round trip $(json "$r" "r['ms_mean']") ms mean, CPU $(json "$r" "round(r['client_cpu_seconds'] / r['round_trips'] * 1e3, 3)") ms client + $(json "$r" "round(r['server_cpu_seconds'] / r['round_trips'] * 1e3, 3)") ms server per round trip, $(json "$r" "r['push_bytes_on_wire'] + r['reply_bytes_on_wire']") bytes"
done
echo "  top-k check, measured/from the fit: worker ${check%%,*}, server (less its update) ${check#*,}"
echo "  -> worker $worker_ns ns per frame byte + $worker_us µs per message, server $server_ns ns + $server_us µs (less its update, $update_ns ns per weight; add $add_ns ns per value)"

# The last part's round trip alone beside busy cores (a step bench per core), less its CPU: the hand-off latency, half each way.
# Three times, the median: one mean rides on its tail.
latencies=()
for ((k = 0; k < 3; k++)); do
    busy=()
    for ((i = 0; i < $(nproc); i++)); do
        distnn bench --model "$model" --batch "$batch" --threads 1 --seconds 10 > /dev/null 2>&1 & busy+=($!)
    done
    sleep 2
    pl=$(distnn bench --push-pull --carrier dataplane --seconds 3 --parts "${#weight_layers[@]}" --last-part-alone 2>/dev/null | tail -1)
    wait "${busy[@]}"
    read -r l line < <(python3 -c "
import json, sys
r = json.loads(sys.argv[1])
cpu = 2 * ($worker_us + $server_us) * 1e-3 + ($worker_ns + $server_ns) * 1e-6 * 2 * 4 * r['last_part_floats']
print(round(max(0.0, r['ms_last_part_mean'] - cpu) / 2, 4), f\"{r['last_part_floats']} values' part: round trip {r['ms_last_part_mean']} ms mean, {r['ms_last_part_median']} median; its CPU {cpu:.3f} ms\")" "$pl")
    [ -n "${l:-}" ] && latencies+=("$l")
    echo "hand-off beside $(nproc) busy cores: $line -> ${l:-?} ms each way"
done
latency_ms=$( [ ${#latencies[@]} -gt 0 ] && median "${latencies[@]}" || echo 0)
echo "  -> latency $latency_ms ms each way (the median of ${latencies[*]})"

# window CPU METRICS N LIMIT: each node's CPU-seconds in the last epoch's training window, as JSON with the window's
# seconds and its batches and rounds at the epoch's rate. The window runs from the first sample after the first epoch's
# line (up to one sampling interval after the last epoch began) to the last sample at least one interval before that
# start plus the epoch's seconds, so that it ends inside the training: the coordinator's evaluation starts the moment
# the epoch ends and takes a whole core, and a window reaching past the end by part of an interval (as an interpolated
# end did) counted it as the coordinator's CPU per round (0.1-0.15 CPU-s, 2-3 ms a round; 2026-12-01).
window() {
    python3 -c "
import json
rows = []
for line in open('$1'):
    f = line.split()
    if len(f) >= 2 and f[1].isdigit():
        rows.append((float(f[0]), int(f[1]), dict(x.split('=') for x in f[2:] if '=' in x)))
e = [json.loads(l) for l in open('$2') if l.strip()][-1]
start = next(r for r in rows if r[1] >= 1)
interval = min(b[0] - a[0] for a, b in zip(rows, rows[1:]) if b[0] > a[0])
last = [r for r in rows if start[0] < r[0] <= start[0] + $4 / e['samples_per_sec'] - 1.25 * interval][-1]
w = {k: float(last[2][k]) - float(start[2][k]) for k in start[2] if k in last[2]}
w['_seconds'] = last[0] - start[0]
w['_batches'] = w['_seconds'] * e['samples_per_sec'] / $batch
w['_rounds'] = w['_seconds'] * e['samples_per_sec'] / ($batch * $3)
print(json.dumps(w))"
}

# cluster N MODEL LIMIT TAG: a loopback cluster (1 ps, N workers × 1 thread, 2 epochs) sampled by cpu-samples.py; prints the load range.
cluster() {
    local port cluster loads
    rm -f "$out/$4.json" "$out/$4.metrics.jsonl"
    # A port of its own: another cluster on this machine starting at the same moment on the default 4053 would take in this one's nodes.
    port=$(free_port)
    scripts/local-cluster.sh --servers 1 --workers "$1" --threads 1 --port "$port" -- --model "$2" --batch-size "$batch" --epochs 2 \
        --train-limit "$3" --optimizer sgd --lr 0.01 --summary-json "$out/$4.json" --metrics "$out/$4.metrics.jsonl" > "$out/$4.log" 2>&1 &
    cluster=$!
    python3 scripts/lib/cpu-samples.py "$port" "$out/$4.cpu" --metrics "$out/$4.metrics.jsonl" --while-pid "$cluster" \
        --threads "coordinator$(for ((w = 0; w < $1; w++)); do printf ',worker-%d' "$w"; done)" &
    loads=$(python3 -c "
import os, time
v = []
while os.path.exists('/proc/$cluster'):
    v.append(float(open('/proc/loadavg').read().split()[0])); time.sleep(1)
print('%s-%s' % (min(v), max(v)) if v else '?')")
    wait "$cluster"
    wait
    echo "$loads"
}

# idle N: a cluster of 1 ps and N workers whose coordinator waits for N + 1 (nothing trains); each node's CPU-seconds per
# second over 8 s once every node has registered; prints the coordinator's, the ps's and the workers' mean cores.
idle() {
    local port seed pids=() w i
    port=$(free_port)
    seed="akka.tcp://distnn@127.0.0.1:$port"
    rm -f "$out"/idle-"$1"-*.log
    # dotnet itself in the background (not the distnn function's subshell), so that its pid is the node's.
    DOTNET_TieredCompilation=0 dotnet "$DISTNN_DLL" node --role coordinator --host 127.0.0.1 --port "$port" --seed "$seed" --data-dir data/mnist --servers 1 \
        --workers $(($1 + 1)) --model "$model" --batch-size "$batch" --epochs 1 --train-limit "$limit" > "$out/idle-$1-coordinator.log" 2>&1 & pids+=($!)
    DOTNET_TieredCompilation=0 dotnet "$DISTNN_DLL" node --role ps --host 127.0.0.1 --port 0 --seed "$seed" > "$out/idle-$1-ps-0.log" 2>&1 & pids+=($!)
    for ((w = 0; w < $1; w++)); do
        DOTNET_TieredCompilation=0 dotnet "$DISTNN_DLL" node --role worker --host 127.0.0.1 --port 0 --seed "$seed" --data-dir data/mnist --name "worker-$w" --threads 1 \
            > "$out/idle-$1-worker-$w.log" 2>&1 & pids+=($!)
    done
    for ((i = 0; i < 600; i++)); do
        [[ $(cat "$out"/idle-"$1"-*.log | grep -c 'registered .* with the coordinator') -ge $(($1 + 1)) ]] && break
        sleep 0.2
    done
    # Beside busy cores (a step bench per core), as the real run's nodes idle between messages: a wake-up costs more there.
    local busy=()
    for ((i = 0; i < $(nproc); i++)); do
        distnn bench --model "$model" --batch "$batch" --threads 1 --seconds 11 > /dev/null 2>&1 & busy+=($!)
    done
    sleep 3
    python3 scripts/lib/cpu-samples.py "$port" "$out/idle-$1.cpu" --seconds 8.5 --interval 1
    wait "${busy[@]}"
    kill -TERM "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
    python3 -c "
rows = []
for line in open('$out/idle-$1.cpu'):
    f = line.split()
    rows.append((float(f[0]), dict(x.split('=') for x in f[2:] if '=' in x)))
a, b = rows[0], rows[-1]
rate = {k: (float(b[1][k]) - float(a[1][k])) / (b[0] - a[0]) for k in a[1] if k in b[1]}
workers = [v for k, v in rate.items() if k.startswith('worker')]
print(round(rate.get('coordinator', 0), 4), round(rate.get('ps', 0), 4), round(sum(workers) / max(1, len(workers)), 4), len(workers))"
}

# simulate_on N STEPS COMPUTE_MS [OPTION…]: `distnn simulate` of N workers and 1 server on this machine's cores with the
# messages' inputs above, the overlap and the backward profile, and OPTION…; its output.
simulate_on() {
    distnn simulate --model "$model" --batch-size "$batch" --workers "$1" --servers 1 --mode sync --compute-ms "$3" \
        --cores "$(nproc)" --link 1000GB/s --latency "${latency_ms}ms" --server-ns "$add_ns,$update_ns" --message-ns "$worker_ns,$server_ns" \
        --message-us "$worker_us,$server_us" --overlap on --backward-profile "$profile" --steps "$2" --node-cpu "${@:4}"
}

# simulate N CONTROL_US CSV [PREEMPTION_US [COMPUTE_MS]]: the N-worker run with every input above (and the coordinator's
# CPU per batch; the cost per preemption PREEMPTION_US and the compute per batch COMPUTE_MS if given); its output.
simulate() {
    simulate_on "$1" $(( (limit + batch * $1 - 1) / (batch * $1) )) "${5:-${compute[$1]}}" \
        --server-round-us "${round_us[$1]:-0}" --worker-round-us "${worker_round_us[$1]:-0}" --control-us "$2" \
        --background-cores "${background[$1]}" --preemption-us "${4:-$preemption_us}" --csv "$3"
}

# The cost per preemption (see the header): real 1-worker clusters' compute thread against step benches alone beside
# them, interleaved (bench, cluster, bench, cluster, bench) and the median of each: one process's CPU per step is bimodal
# (docs/simulation.md), a real worker being one draw as a step bench is; the difference over the preemptions per batch
# the simulation counts for the same 1-worker run (2 cores, the messages' inputs above; the count depends on the
# wake-ups, not on their costs).
preemption_us=0
# The pushes' sends, which the compute thread makes inline and the messages' input charges: a part per layer with
# weights, each a message's fixed cost, and the push's frame bytes (the dense push whole: its bytes per round trip).
sends=$(python3 -c "print(round(${#weight_layers[@]} * $worker_us * 1e-3 + $worker_ns * 1e-6 * $(json "$pp" "r['push_bytes_on_wire']"), 3))")
if $calibrate; then
    cal_solo=() cal_threads=() cal_lines=()
    for ((k = 0; k <= calib_runs; k++)); do
        read -r c _ < <(steps 1)
        [ -n "${c:-}" ] && cal_solo+=("$c")
        [ "$k" -eq "$calib_runs" ] && break
        l=$(cluster 1 "$model" "$calib_limit" "calib-$k")
        read -r t wk b < <(python3 -c "
import json
w = json.loads('$(window "$out/calib-$k.cpu" "$out/calib-$k.metrics.jsonl" 1 "$calib_limit" 2>/dev/null)')
t = sum(v for k, v in w.items() if k.startswith('worker-0:') and 'compute' in k)
assert t > 0
print(round(1e3 * t / w['_batches'], 3), round(1e3 * w['worker-0'] / w['_batches'], 3), round(w['_batches']))" 2>/dev/null)
        if [ -n "${t:-}" ]; then
            cal_threads+=("$(python3 -c "print(round($t - $sends, 3))")")
            cal_lines+=("$t ($b batches, the whole worker $wk, load $l)")
        else
            cal_lines+=("none (see $out/calib-$k.log)")
        fi
    done
    echo "calibration: 1-worker clusters ($calib_limit samples an epoch, 2 epochs), the compute thread's CPU per batch in the last epoch (ms): $(IFS=';'; echo "${cal_lines[*]}" | sed 's/;/; /g')"
    if [ ${#cal_threads[@]} -gt 0 ] && [ ${#cal_solo[@]} -gt 0 ]; then
        cal_thread=$(median "${cal_threads[@]}")
        solo_cal=$(median "${cal_solo[@]}")
        cal_steps=$(( (calib_limit + batch - 1) / batch ))
        cal_sim=$(simulate_on 1 "$cal_steps" "$solo_cal" 2>/dev/null)
        cal_preempt=$(echo "$cal_sim" | grep -m1 'preemptions per batch' | sed -E 's/.*worker-0 ([0-9.]+).*/\1/')
        preemption_us=$(python3 -c "print(round(max(0.0, $cal_thread - $solo_cal) * 1e3 / float('${cal_preempt:-0}'), 1) if float('${cal_preempt:-0}') > 0 else 0)")
        echo "  less its pushes' sends $sends ms (${#weight_layers[@]} parts, charged as messages): ${cal_threads[*]}, median $cal_thread; one step bench alone before, between and after: ${cal_solo[*]}, median $solo_cal; the simulated 1-worker run's preemptions per batch ${cal_preempt:-?} -> $preemption_us µs per preemption"
    else
        echo "  no compute-thread figures from the 1-worker clusters or no step bench: no cost per preemption"
    fi
fi

declare -A background control round_us worker_round_us
for n in "${counts[@]}"; do
    read -r bc bs bw seen < <(idle "$n")
    background[$n]="$bc,$bs,$bw"
    echo "background, idle cluster of $n workers ($seen seen): coordinator $bc, ps $bs, each worker $bw cores"
    # The control plane at the pace the model gives the run without it (its time per step): N reports per step.
    simulate "$n" 0 "$out/pace-$n.csv" > /dev/null
    pace=$(tail -1 "$out/pace-$n.csv" | cut -d, -f7)
    # The pieces of an N-worker run side by side, as the real run has them on the machine's cores, none of it the real
    # cluster: N step benches (the workers' compute), the sync push-pull bench (a server and N clients) and the
    # control-plane bench (a coordinator and N reporters), the last two paced as above. A node's runtime costs more CPU
    # per message when the cores are busy (each wake-up lands on a core another process is computing on: a context
    # switch, cold caches), and a compute thread more per batch beside a server and messaging threads than beside other
    # step benches alone (figures: docs/simulation.md). So the compute, the server's and a worker's rounds and the
    # control plane are all taken from this one measurement.
    busy=()
    for ((i = 0; i < n; i++)); do
        distnn bench --model "$model" --batch "$batch" --threads 1 --seconds 12 2>/dev/null > "$out/busy-$n-$i.json" & busy+=($!)
    done
    sleep 2
    distnn bench --control-plane --process-per-worker --workers "$n" --interval-ms "$pace" --seconds 5 2>/dev/null > "$out/busy-$n-cp.json" & busy+=($!)
    # The server's CPU per sync round of N clients pushing in parts at the same pace, less what the other inputs charge for that round.
    ps=$(distnn bench --push-pull --carrier dataplane --seconds 5 --parts "${#weight_layers[@]}" --clients "$n" --round-ms "$pace" \
        --part-shares "$shares" 2>/dev/null | tail -1)
    wait "${busy[@]}"
    cp=$(tail -1 "$out/busy-$n-cp.json")
    control[$n]=$(json "$cp" "r['us_per_batch']" 2>/dev/null || echo 0)
    echo "control plane: ${control[$n]} µs of the coordinator's CPU per batch ($n workers' batches every $pace ms over Akka.Remote, $(json "$cp" "r['batches']") in $(json "$cp" "r['messages']") reports in 5 s; gross $(json "$cp" "r['us_per_batch_gross']") µs, idle $(json "$cp" "r['idle_cores']") cores; beside busy cores)"
    read -r c c_median < <(python3 -c "
import json
r = [json.loads(open('$out/busy-$n-%d.json' % i).read().strip().split('\\n')[-1]) for i in range($n)]
print(round(sum(x['ms_cpu_per_step'] for x in r) / len(r), 3), round(sum(x['ms_per_step_median'] for x in r) / len(r), 1))")
    echo "compute: ${c:-?} ms CPU per batch with $n step benches at once beside the two benches (wall median ${c_median:-?} ms; ${compute[$n]} beside each other alone)"
    [ -n "${c:-}" ] && compute_runs[$n]+=" $c"
    read -r extra wextra line < <(python3 -c "
import json, sys
r = json.loads(sys.argv[1])
n, p = r['clients'], r['parts']
frame = r['push_bytes_on_wire'] + r['reply_bytes_on_wire']
charged = n * (2 * p * $server_us * 1e-3 + $server_ns * 1e-6 * frame) + (n * $add_ns + $update_ns) * r['floats'] * 1e-6
worker = 2 * p * $worker_us * 1e-3 + $worker_ns * 1e-6 * frame
extra = max(0.0, r['server_cpu_ms_per_round'] - charged)
wextra = max(0.0, r['client_cpu_ms_per_round'] - worker)
print(round(extra * 1e3, 1), round(wextra * 1e3, 1), f\"{r['round_trips']} rounds every {r['round_ms']} ms, {r['ms_mean']} ms each: the server {r['server_cpu_ms_per_round']:.3f} ms of CPU per round (less its idle {r['server_idle_cores']} cores), the other inputs charge {charged:.3f}; a client {r['client_cpu_ms_per_round']:.3f} ms (less the clients' idle {r['client_idle_cores']} cores), its messages charged {worker:.3f}\")" "$ps")
    round_us[$n]=${extra:-0}
    worker_round_us[$n]=${wextra:-0}
    echo "server rounds, $n clients in ${#weight_layers[@]} parts leaving at $shares of the round (sync): $line -> --server-round-us ${round_us[$n]} --worker-round-us ${worker_round_us[$n]}"
done

for n in "${counts[@]}"; do
    read -r c _ < <(steps "$n")
    [ -n "${c:-}" ] && compute_runs[$n]+=" $c"
    load=$(cluster "$n" "$model" "$limit" "real-$n")
    read -r c _ < <(steps "$n")
    [ -n "${c:-}" ] && compute_runs[$n]+=" $c"
    # shellcheck disable=SC2086
    compute_raw[$n]=$(median ${compute_runs[$n]})
    compute[$n]=${compute_raw[$n]}
    echo "compute: ${compute[$n]} ms CPU per batch for the $n-worker run: the median of ${compute_runs[$n]} ($n step benches at once: at the start, beside the round benches, right before and right after the real run); $preemption_us µs per preemption"
    # The last epoch's figures (the plain progress line, every 5 s, may come too late or list one worker only).
    read -r real workers_ms < <(python3 -c "
import json
e = [json.loads(l) for l in open('$out/real-$n.metrics.jsonl') if l.strip()][-1]
w = sorted(e.get('workers') or [], key=lambda w: w['worker'])
print(round(e['samples_per_sec'], 1), ','.join(str(round(x['ms_compute_per_batch'], 1)) + '+' + str(round(x['ms_wait_per_batch'], 1)) for x in w) or '-')" 2>/dev/null)
    if [ -z "${real:-}" ]; then
        echo "$n workers: no epoch figures in $out/real-$n.metrics.jsonl (see $out/real-$n.log)"; continue
    fi
    cpu=$(python3 -c "
import json
w = json.loads('$(window "$out/real-$n.cpu" "$out/real-$n.metrics.jsonl" "$n" "$limit")')
print(', '.join(f'{k} {1e3 * v / w[\"_rounds\"]:.1f}' for k, v in sorted(w.items()) if not k.startswith('_') and ':' not in k))
print(', '.join(f'{k.split(\":\")[1]} {1e3 * v / w[\"_rounds\"]:.2f}' for k, v in sorted(w.items(), key=lambda x: -x[1]) if k.startswith('coordinator:') and v > 0))
print(', '.join(f'{1e3 * sum(v for k, v in w.items() if k.startswith(f\"worker-{i}:\") and \"compute\" in k) / w[\"_rounds\"]:.2f}' for i in range($n)))" 2>/dev/null)
    sim_out=$(simulate "$n" "${control[$n]}" "$out/sim-$n.csv")
    sim=$(tail -1 "$out/sim-$n.csv" | cut -d, -f6)
    sim_step=$(tail -1 "$out/sim-$n.csv" | cut -d, -f7)
    modelled=$(echo "$sim_out" | grep -m1 'cpu per step (ms)' | sed -E 's/.*\(ms\): //')
    echo "  real workers' compute+wait per batch (ms): $workers_ms; simulated: $(echo "$sim_out" | grep -m1 'compute+wait per batch' | sed -E 's/.*\(ms\): //') (time per step $sim_step ms)"
    echo "  CPU per round of the last epoch (ms): real $(echo "$cpu" | head -1); modelled $modelled; load $load"
    echo "  the real coordinator's CPU per round by thread (ms): $(echo "$cpu" | sed -n 2p)"
    preempts=$(echo "$sim_out" | grep -m1 'preemptions per batch' | sed -E 's/.*\(expected\): //')
    with_pre=$(python3 -c "
import re, sys
p = [float(x) for x in re.findall(r'worker-[0-9]+ ([0-9.]+)', sys.argv[1])]
print(round(${compute[$n]} + $preemption_us * 1e-3 * sum(p) / max(1, len(p)), 3))" "$preempts")
    echo "  the real workers' compute threads' CPU per batch (ms): $(echo "$cpu" | sed -n 3p); modelled $with_pre: the compute input ${compute[$n]} + $preemption_us µs × the preemptions per batch ($preempts) (the pushes' sends on that thread, charged as messages: ${sends:-?})"
    if [ "$preemption_us" != 0 ]; then
        simulate "$n" "${control[$n]}" "$out/sim-$n-nopreemption.csv" 0 > /dev/null
        sim0=$(tail -1 "$out/sim-$n-nopreemption.csv" | cut -d, -f6)
        echo "workers $n: real $real samples/s, simulated $sim, ratio $(python3 -c "print(round($sim / $real, 3))") ($preemption_us µs per preemption; without it: simulated $sim0, ratio $(python3 -c "print(round($sim0 / $real, 3))"))"
    else
        echo "workers $n: real $real samples/s, simulated $sim, ratio $(python3 -c "print(round($sim / $real, 3))") (no cost per preemption)"
    fi
    # Replayed: the same simulation given the compute this real run's workers spent (their compute threads' CPU per
    # batch, less the pushes' sends that the messages' input charges), so no cost per preemption: the model of
    # everything but the compute (messages, servers, control plane, hand-offs, the cores' sharing) against the run.
    # Not a prediction (its input comes from the run it is compared with); it tells the model's error from the
    # compute input's, which moves with the machine's hour (docs/simulation.md).
    replay=$(python3 -c "
import re, sys
t = [float(x) for x in re.findall(r'[0-9.]+', sys.argv[1])]
print(round(sum(t) / len(t) - float(sys.argv[2]), 3) if t and sys.argv[2] else '')" "$(echo "$cpu" | sed -n 3p)" "${sends:-}")
    if [ -n "$replay" ]; then
        simulate "$n" "${control[$n]}" "$out/sim-$n-replayed.csv" 0 "$replay" > /dev/null
        simr=$(tail -1 "$out/sim-$n-replayed.csv" | cut -d, -f6)
        echo "workers $n replayed: the real compute threads' $replay ms a batch (less sends) as the compute, no preemption: simulated $simr, ratio $(python3 -c "print(round($simr / $real, 3))")"
    else
        echo "workers $n replayed: no compute-thread figures from the real run: not replayed"
    fi
done
