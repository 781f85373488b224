#!/usr/bin/env bash
# The four models' training step (batch 64) under each instruction set this CPU runs, against PyTorch on OpenBLAS's
# kernel of the same width, alternating DistNN and PyTorch run by run, best of 1 and 2 threads on each side:
#   avx512    -> OpenBLAS SkylakeX (scripts/lib/pytorch-ref.sh)        avx2 -> Haswell on an AVX-512 CPU, else its own
#   vector128 -> PyTorch on OpenBLAS's pick too (PyTorch's own vector code is not forced; the DistNN column is the figure)
# Prints per model and ISA each round's best-of-threads ratio and their median. Only ratios of runs taken back to back
# mean anything. Needs Debian's python3-torch and libopenblas0-pthread.
# Usage: scripts/bench-isa-models.sh [rounds] [seconds-per-run] [isa…]   (a script, not part of CI; default 3 rounds, 5 s,
# every ISA but scalar that this CPU runs)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds="${1:-3}"
secs="${2:-5}"
shift 2 2>/dev/null || shift $#
. "$root/scripts/lib/pytorch-ref.sh"
cpu_line
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
distnn() { dotnet src/DistNN.Cli/bin/Release/net10.0/distnn.dll "$@"; }
torch_core() {   # OpenBLAS's kernel for a DistNN ISA: the same width where the CPU has a wider one
    case "$1" in
        avx2) grep -qw avx512f /proc/cpuinfo && echo Haswell || echo "$openblas_core" ;;
        *) echo "$openblas_core" ;;
    esac
}
isas=("$@")
if [ ${#isas[@]} -eq 0 ]; then
    for isa in avx512 avx2 vector128; do
        distnn bench --gemm 8 --isa "$isa" >/dev/null 2>&1 && isas+=("$isa")
    done
fi
echo "isas: ${isas[*]}; $rounds rounds of $secs s per run; $(uptime)"
results=$(mktemp)
for r in $(seq 1 "$rounds"); do
    for isa in "${isas[@]}"; do
        core=$(torch_core "$isa")
        for m in mlp cnn rnn lstm; do
            for t in 1 2; do
                d=$(distnn bench --model "$m" --batch 64 --threads "$t" --isa "$isa" --seconds "$secs" | last_json samples_per_sec_median)
                if [ -n "$core" ]; then
                    p=$(OPENBLAS_CORETYPE="$core" /usr/bin/python3 "$ref/bench_models.py" --model "$m" --batch 64 --threads "$t" --seconds "$secs" | last_json samples_per_sec_median)
                else
                    p=$(/usr/bin/python3 "$ref/bench_models.py" --model "$m" --batch 64 --threads "$t" --seconds "$secs" | last_json samples_per_sec_median)
                fi
                echo "$isa ${core:-auto} $m $t $r $d $p" | tee -a "$results"
            done
        done
    done
done
echo "$(uptime)"
python3 - "$results" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
best = {}
for isa, core, m, t, r, d, p in rows:
    k = (isa, core, m, r)
    bd, bp = best.get(k, (0.0, 0.0))
    best[k] = (max(bd, float(d)), max(bp, float(p)))
print(f"{'isa':10} {'openblas':9} {'model':5} {'distnn':>9} {'pytorch':>9} {'ratio':>6}   per-round ratios (best of 1 and 2 threads each side)")
keys = sorted({(i, c, m) for i, c, m, _ in best}, key=lambda k: (k[0], ["mlp", "cnn", "rnn", "lstm"].index(k[2])))
for isa, core, m in keys:
    xs = [v for (i, c, mm, r), v in best.items() if (i, c, mm) == (isa, core, m)]
    ratios = [d / p for d, p in xs]
    print(f"{isa:10} {core:9} {m:5} {st.median(d for d, _ in xs):9.0f} {st.median(p for _, p in xs):9.0f} {st.median(ratios):6.2f}   "
          + " ".join(f"{x:.2f}" for x in ratios))
PY
rm -f "$results"
