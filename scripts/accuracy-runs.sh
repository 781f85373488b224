#!/usr/bin/env bash
# Trains every model of the figures in the closing notes and keeps each run's summary JSON in runs/.
# Long (tens of minutes on 2 cores): a script, not part of CI. Usage: scripts/accuracy-runs.sh [name-filter]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/fetch-mnist.sh data/mnist >/dev/null || exit 1
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
distnn() { dotnet src/DistNN.Cli/bin/Release/net10.0/distnn.dll "$@"; }
mkdir -p runs
filter="${1:-}"

run() {  # run NAME ARGS... : one training run, summary in runs/NAME.json, log in runs/NAME.log
    local name="$1"; shift
    [[ -n "$filter" && "$name" != *$filter* ]] && return 0
    echo "== $name: distnn train $*"
    if distnn train "$@" --no-progress --summary-json "runs/$name.json" > "runs/$name.log" 2>&1; then
        tail -n 1 "runs/$name.log"
    else
        echo "FAILED (see runs/$name.log)"; tail -n 3 "runs/$name.log"
    fi
}

ref="--optimizer adam --lr 0.001 --batch-size 64 --seed 1"
# Reference recipes: engine only, through the actors with one worker, two workers sync, two workers async.
# Sync with two workers at batch 32 each applies the same global batch of 64 per step as the engine run
# (batch 64 each would halve the number of steps); async applies each worker's batch of 64 on its own.
sync2="--optimizer adam --lr 0.001 --batch-size 32 --seed 1 --workers 2 --servers 1 --mode sync"
for m in mlp:5 cnn:3 lstm:3; do
    model=${m%%:*}; epochs=${m##*:}
    run "$model-ref-local"   --model "$model" --epochs "$epochs" $ref --engine local
    run "$model-ref-actors"  --model "$model" --epochs "$epochs" $ref
    run "$model-ref-2w-sync"  --model "$model" --epochs "$epochs" $sync2
    run "$model-ref-2w-async" --model "$model" --epochs "$epochs" $ref --workers 2 --servers 1 --mode async
done
run gru-ref --model gru --epochs 3 $ref
run rnn-ref --model rnn --epochs 3 $ref

# Gradient compression per push, two workers in sync (compare with cnn-ref-2w-sync, uncompressed).
for c in fp16 int8 topk:0.01; do
    run "cnn-2w-sync-${c/:/-}" --model cnn --epochs 3 $sync2 --compression "$c"
done

# Best recipes found with DistNN's own features.
run mlp-best  --model mlp  --epochs 5 --optimizer adam --lr 0.001 --batch-size 64 --seed 1 --dropout 0.2 --schedule cosine --augment shift=1
run cnn-best  --model cnn  --epochs 3 --optimizer adam --lr 0.002 --batch-size 32 --seed 1 --dropout 0.25 --schedule cosine --augment rotate=5,shift=1
run lstm-best --model lstm --epochs 3 --optimizer adam --lr 0.003 --batch-size 64 --seed 1 --schedule cosine
run gru-best  --model gru  --epochs 3 --optimizer adam --lr 0.003 --batch-size 64 --seed 1 --schedule cosine
run rnn-best  --model rnn  --epochs 3 --optimizer adam --lr 0.002 --batch-size 32 --seed 1 --schedule cosine --clip-norm 0.5

# BatchNorm in a spec file (an example of the spec format; not the best recipe).
run cnn-bn    --model examples/cnn-bn.json --epochs 3 --optimizer adam --lr 0.003 --batch-size 64 --seed 1 --dropout 0.25 --schedule cosine --augment rotate=8,shift=2

# Data expansion on a small training set: 2,000 images, 20 epochs, without and with.
run cnn-2k-plain   --model cnn --epochs 20 $ref --train-limit 2000
run cnn-2k-augment --model cnn --epochs 20 $ref --train-limit 2000 --augment rotate=10,shift=2,noise=0.05

# Echo state network on Mackey-Glass.
run esn --model esn --dataset mackey-glass --reservoir 1000 --seed 1
