#!/usr/bin/env bash
# Trains with docker-compose.yml (1 coordinator, 2 parameter servers, N workers), then prints the wall time, the test
# accuracy of the summary and every container's exit code, and removes the containers and their network (the image
# stays). Exit 0 only when every container exited 0 and the accuracy reached --min-accuracy.
#
#   scripts/compose-run.sh [--workers N] [--epochs E] [--model M] [--min-accuracy A] [--no-build] [--project NAME]
#
#   --workers N        worker replicas, and the workers the coordinator's plan waits for (default 2)
#   --epochs E         default 5;  --model M: default mlp
#   --min-accuracy A   the test accuracy (0..1) the run must reach (default 0.95)
#   --no-build         use the distnn:local image as it is (default: docker-compose up --build)
#   --project NAME     the compose project name (default distnn); the summary lands in runs/NAME-summary.json
# MNIST comes from $DISTNN_MNIST_DIR (default data/mnist), the summary goes to $DISTNN_RUNS_DIR (default runs/).
# Where the official .NET images cannot be pulled, run `eval "$(scripts/container-base.sh)"` first.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
workers=2 epochs=5 model=mlp min_accuracy=0.95 build=--build project=distnn
while [[ $# -gt 0 ]]; do
    case "$1" in
        --workers) workers="$2"; shift 2 ;;
        --epochs) epochs="$2"; shift 2 ;;
        --model) model="$2"; shift 2 ;;
        --min-accuracy) min_accuracy="$2"; shift 2 ;;
        --no-build) build=""; shift ;;
        --project) project="$2"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compose-run: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "compose-run: --workers must be a positive whole number (got '$workers')" >&2; exit 2; }
command -v docker-compose >/dev/null || { echo "compose-run: docker-compose is not installed (Debian: apt-get install docker-compose)" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "compose-run: no Docker daemon answers" >&2; exit 2; }
# The compose file mounts these two folders: MNIST (read-only) and where the coordinator writes its summary.
export DISTNN_MNIST_DIR="${DISTNN_MNIST_DIR:-$root/data/mnist}" DISTNN_RUNS_DIR="${DISTNN_RUNS_DIR:-$root/runs}"
[[ -f "$DISTNN_MNIST_DIR/train-images-idx3-ubyte" ]] || scripts/fetch-mnist.sh "$DISTNN_MNIST_DIR" || exit 2
runs="$DISTNN_RUNS_DIR"
mkdir -p "$runs"
summary="$runs/$project-summary.json"
rm -f "$summary"
export DISTNN_WORKERS="$workers" DISTNN_EPOCHS="$epochs" DISTNN_MODEL="$model" DISTNN_SUMMARY="/runs/$project-summary.json"
compose=(docker-compose -p "$project" -f docker-compose.yml)
cleanup() { "${compose[@]}" down --remove-orphans >/dev/null 2>&1; }
trap 'echo "compose-run: interrupted, removing the containers"; cleanup; exit 130' INT TERM

start=$(date +%s.%N)
# `up` returns when every container has exited: the coordinator tells the others to leave at the end of the run.
"${compose[@]}" up $build --scale worker="$workers" --no-color
up_status=$?
wall=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")

failed=0
codes=()
while read -r id; do
    [[ -n "$id" ]] || continue
    line=$(docker inspect -f '{{.Name}} {{.State.Status}} {{.State.ExitCode}}' "$id")
    read -r name status code <<< "$line"
    codes+=("${name#/}=$code")
    [[ "$status" == exited && "$code" == 0 ]] || failed=1
done < <("${compose[@]}" ps -q)
[[ ${#codes[@]} -eq $((3 + workers)) ]] || { echo "compose-run: expected $((3 + workers)) containers, found ${#codes[@]}"; failed=1; }
accuracy=$(python3 -c "import json; print(json.load(open('$summary'))['test_accuracy'])" 2>/dev/null || echo none)
cleanup
echo "compose-run: $model, $epochs epochs, 2 servers, $workers workers: wall ${wall} s (with the build: ${build:-no}), test accuracy $accuracy, exit codes ${codes[*]}"
[[ $up_status -eq 0 && $failed -eq 0 ]] || { echo "compose-run: FAILED: a container did not exit 0 (docker-compose up: $up_status)"; exit 1; }
python3 -c "import sys; sys.exit(0 if '$accuracy' != 'none' and float('$accuracy') >= $min_accuracy else 1)" ||
    { echo "compose-run: FAILED: accuracy $accuracy below $min_accuracy"; exit 1; }
echo "compose-run: OK"
