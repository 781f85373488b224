#!/usr/bin/env bash
# sgemm n×n GFLOP/s of every GEMM kernel this CPU runs (distnn bench --gemm --isa …) against OpenBLAS in the same run,
# alternating DistNN and OpenBLAS round by round, 1 and 2 threads; prints each pair's ratio and the medians.
# The machine may be noisy: only ratios of pairs taken back to back mean anything, and uptime is printed alongside.
# OpenBLAS runs the kernel of the same width where the CPU has a wider one: avx2 against OPENBLAS_CORETYPE=Haswell on an
# AVX-512 CPU (both sides forced to AVX2), avx512 against SkylakeX (scripts/lib/pytorch-ref.sh); for vector128 OpenBLAS
# also runs on an SSE kernel (OPENBLAS_CORETYPE=Nehalem), the nearest like-for-like.
# Needs Debian's python3-torch and libopenblas0-pthread. DISTNN_BENCH_REF overrides the reference scripts' folder.
# Usage: scripts/bench-gemm-isa.sh [rounds] [n]   (a script, not part of CI)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds="${1:-5}"
n="${2:-1024}"
. "$root/scripts/lib/pytorch-ref.sh"
cpu_line
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
distnn() { dotnet src/DistNN.Cli/bin/Release/net10.0/distnn.dll "$@"; }
sse_blas() { OPENBLAS_CORETYPE=Nehalem /usr/bin/python3 "$ref/gemm_ref.py" "$@"; }

isas=()
for isa in avx512 avx2 vector128 scalar; do
    if distnn bench --gemm 8 --isa "$isa" >/dev/null 2>&1; then
        isas+=("$isa")
    fi
done
[ "$n" -gt 512 ] && isas=("${isas[@]/scalar}")
echo "kernels: ${isas[*]}   $(uptime)"
results=$(mktemp)
for t in 1 2; do
    for r in $(seq 1 "$rounds"); do
        for isa in ${isas[@]}; do
            d=$(distnn bench --gemm "$n" --threads "$t" --isa "$isa" | last_json gflops_median)
            if [ "$isa" = avx2 ] && grep -qw avx512f /proc/cpuinfo; then
                p=$(OPENBLAS_CORETYPE=Haswell /usr/bin/python3 "$ref/gemm_ref.py" --n "$n" --threads "$t" | last_json gflops_median)
            else
                p=$(py gemm_ref.py --n "$n" --threads "$t" | last_json gflops_median)
            fi
            line="$isa $t $r $d $p"
            if [ "$isa" = vector128 ]; then
                line="$line $(sse_blas --n "$n" --threads "$t" | last_json gflops_median)"
            fi
            echo "$line" | tee -a "$results"
        done
    done
done
echo "$(uptime)"
python3 - "$results" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"{'isa':10} {'threads':>7} {'distnn':>8} {'openblas':>9} {'ratio':>6}   per-pair ratios (median of pairs in 'ratio')")
by = {}
for isa, t, r, d, p, *sse in rows:
    by.setdefault((isa, t), []).append((float(d), float(p), float(sse[0]) if sse else None))
for (isa, t), xs in by.items():
    ratios = [d / p for d, p, _ in xs]
    extra = ""
    if xs[0][2] is not None:
        extra = f"   vs OpenBLAS SSE kernel: {st.median(d / s for d, _, s in xs):.2f}"
    print(f"{isa:10} {t:>7} {st.median(d for d, _, _ in xs):8.1f} {st.median(p for _, p, _ in xs):9.1f} {st.median(ratios):6.2f}   "
          + " ".join(f"{x:.2f}" for x in ratios) + extra)
for t in ("1", "2"):
    if ("avx2", t) in by and ("vector128", t) in by:
        pairs = [v[0] / a[0] for v, a in zip(by[("vector128", t)], by[("avx2", t)])]
        print(f"vector128 / avx2, {t} thread(s): {st.median(pairs):.2f} (per round: {' '.join(f'{x:.2f}' for x in pairs)})")
PY
rm -f "$results"
