#!/usr/bin/env bash
# Runs DistNN's benchmarks and the PyTorch references (bench/pytorch) one after the other in the same
# session and prints each pair with its ratio. The machine is noisy: only ratios taken in one run mean anything.
# Needs Debian's python3-torch and libopenblas0-pthread (scripts/lib/pytorch-ref.sh picks OpenBLAS's kernel per CPU).
# Usage: scripts/bench-side-by-side.sh [seconds-per-run]   (a script, not part of CI)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
secs="${1:-5}"
. "$root/scripts/lib/pytorch-ref.sh"
cpu_line
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
distnn() { dotnet src/DistNN.Cli/bin/Release/net10.0/distnn.dll "$@"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

echo "# GEMM n=1024 (GFLOP/s, median)"
for t in 1 2; do
    d=$(distnn bench --gemm 1024 --threads $t | last_json gflops_median)
    p=$(py gemm_ref.py --n 1024 --threads $t | last_json gflops_median)
    echo "threads $t: distnn $d  openblas $p  ratio $(ratio $d $p)"
done

echo "# training step, batch 64 (samples/s, median); best of 1 and 2 threads"
for m in mlp cnn rnn lstm; do
    best_d=0; best_p=0
    for t in 1 2; do
        d=$(distnn bench --model $m --batch 64 --threads $t --seconds "$secs" | last_json samples_per_sec_median)
        p=$(py bench_models.py --model $m --batch 64 --threads $t --seconds "$secs" | last_json samples_per_sec_median)
        echo "$m threads $t: distnn $d  pytorch $p"
        best_d=$(python3 -c "print(max($best_d,$d))"); best_p=$(python3 -c "print(max($best_p,$p))")
    done
    echo "$m best: distnn $best_d  pytorch $best_p  ratio $(ratio $best_d $best_p)"
done

echo "# what the actors add: 1 worker, 1 server, one process (samples/s, means over whole stretches)"
for m in mlp cnn; do
    for t in 1 2; do
        distnn bench --model $m --batch 64 --threads $t --seconds "$secs" --actors
    done
done

echo "# push-pull of the cnn's 1.69 MB each way to a parameter server in a child process (median ms)"
distnn bench --push-pull --carrier dataplane --seconds 3
distnn bench --push-pull --carrier remote --seconds 3
/usr/bin/python3 "$ref/rpc_rtt.py" --seconds 3
