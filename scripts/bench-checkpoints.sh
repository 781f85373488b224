#!/usr/bin/env bash
# Checkpoint cost: the same cnn run with and without checkpoints at the default interval, alternating, and how long a
# server's step waited for each checkpoint's copy (capture_milliseconds of every manifest).
# Usage: scripts/bench-checkpoints.sh [ROUNDS=2] [TRAIN_LIMIT=32000] [MODEL=cnn]   (32000 samples = 500 steps of 64: one
# step checkpoint and one at the epoch's end). Prints one line per run and the ratio of the medians.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds="${1:-2}"; limit="${2:-32000}"; model="${3:-cnn}"
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
distnn() { dotnet src/DistNN.Cli/bin/Release/net10.0/distnn.dll "$@"; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
args=(train --model "$model" --epochs 1 --train-limit "$limit" --no-progress --data-dir "${DISTNN_MNIST_DIR:-data/mnist}")
seconds() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["wall_seconds"])' "$1"; }
off=(); on=()
for r in $(seq 1 "$rounds"); do
    distnn "${args[@]}" --summary-json "$work/off.json" > "$work/off.log" 2>&1 || { tail -3 "$work/off.log"; exit 1; }
    rm -rf "$work/ck"
    distnn "${args[@]}" --summary-json "$work/on.json" --checkpoint-dir "$work/ck" > "$work/on.log" 2>&1 || { tail -3 "$work/on.log"; exit 1; }
    off+=("$(seconds "$work/off.json")"); on+=("$(seconds "$work/on.json")")
    echo "round $r: without checkpoints ${off[-1]} s, with ${on[-1]} s ($(ls "$work/ck" | wc -l) checkpoints: $(ls "$work/ck" | tr '\n' ' '))"
    python3 - "$work/ck" <<'PY'
import json, os, sys
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    m = json.load(open(os.path.join(d, f, "manifest.json")))
    size = sum(x["bytes"] for s in m["servers"] for x in s["files"])
    print(f"  {f}: {size/1e6:.1f} MB, step waited " + ", ".join(f"{s['capture_milliseconds']:.2f} ms" for s in m["servers"]))
PY
done
python3 - "${off[*]}" "${on[*]}" <<'PY'
import statistics, sys
off = [float(x) for x in sys.argv[1].split()]; on = [float(x) for x in sys.argv[2].split()]
a, b = statistics.median(off), statistics.median(on)
print(f"checkpoint cost: median {a:.2f} s without, {b:.2f} s with: {100*(b-a)/a:+.1f} % of the training time")
PY
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no), load: $(cut -d' ' -f1-3 /proc/loadavg)"
