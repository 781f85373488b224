#!/usr/bin/env bash
# Accuracy of cluster mode against single-process mode with the same plan (1 coordinator, 2 parameter servers,
# 2 workers, sync): the mlp for 5 epochs and the cnn for 3 (the reference recipes). Summaries land in runs/.
# Usage: scripts/cluster-accuracy.sh [mlp|cnn]...   (a script, not part of CI: the cnn run takes several minutes)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(mlp cnn)
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
export DISTNN_DLL="$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll"
mkdir -p runs
acc() { python3 -c "import json; print(round(100 * json.load(open('$1'))['test_accuracy'], 2))"; }
for model in "${models[@]}"; do
    case "$model" in
        mlp) epochs=5 ;;
        cnn) epochs=3 ;;
        *) echo "cluster-accuracy: unknown model '$model' (mlp or cnn)" >&2; exit 2 ;;
    esac
    plan=(--model "$model" --epochs "$epochs" --optimizer adam --lr 0.001 --batch-size 64)
    dotnet "$DISTNN_DLL" train "${plan[@]}" --seed 1 --workers 2 --servers 2 --summary-json "runs/$model-single-2w2s.json" >/dev/null || exit 1
    scripts/local-cluster.sh --servers 2 --workers 2 -- "${plan[@]}" --random-seed 1 \
        --summary-json "runs/$model-cluster-2w2s.json" > "runs/$model-cluster-2w2s.log" 2>&1 || { echo "cluster run failed: runs/$model-cluster-2w2s.log" >&2; exit 1; }
    single=$(acc "runs/$model-single-2w2s.json"); cluster=$(acc "runs/$model-cluster-2w2s.json")
    echo "$model $epochs epochs, 2 servers, 2 workers, sync: single process $single %, cluster $cluster %, difference $(python3 -c "print(round($cluster - $single, 2))") points"
done
