# Sourced by the benchmark scripts: runs a PyTorch reference script from bench/pytorch with the OpenBLAS kernel
# that suits this CPU. On an AVX-512 CPU Debian's OpenBLAS misreads the CPU and picks a slow generic kernel, so
# SkylakeX is asked for there; on any other CPU OpenBLAS picks its own (Zen, Haswell) kernel — SkylakeX code
# would be an illegal instruction. DISTNN_BENCH_REF overrides the scripts' folder.
ref="${DISTNN_BENCH_REF:-$root/bench/pytorch}"
# A kernel named in the environment wins, and says so: a machine may set OPENBLAS_CORETYPE for everything it runs, and a
# reference on another kernel than the one a row names would be the wrong comparison.
[ -z "${OPENBLAS_CORETYPE:-}" ] || echo "OpenBLAS kernel from the environment: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (every reference runs on it; unset it to let this script choose)"
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    openblas_core="${OPENBLAS_CORETYPE:-SkylakeX}"
else
    openblas_core="${OPENBLAS_CORETYPE:-}"
fi
py() {
    if [ -n "$openblas_core" ]; then
        OPENBLAS_CORETYPE="$openblas_core" /usr/bin/python3 "$ref/$1" "${@:2}"
    else
        /usr/bin/python3 "$ref/$1" "${@:2}"
    fi
}
. "$root/scripts/lib/bench-common.sh"   # cpu_line, which every script of a reference prints first
