#!/usr/bin/env bash
# This checkout against an older commit on the same machine, alternating run by run: sgemm n=1024 GFLOP/s on 1 and 2
# threads and the four models' training step at batch 64 (best of 1 and 2 threads), each with the kernel each build
# picks by itself (no --isa: an older build may not know it). For "nothing got slower": the ratio new/old per round and
# its median. The commit is built in a detached worktree under runs/against-COMMIT (left there for a re-run).
# GEMM runs both builds in one process (`distnn bench --gemm-against`), alternating 0.3 s samples, so the CPU's drift
# from minute to minute falls on both; each round prints the median of its pairs by wall time and, on one thread, by the
# thread's CPU time. A commit older than that option's own still works: only the new build has to know it.
# Usage: scripts/bench-against-commit.sh COMMIT [rounds] [seconds-per-run]   (a script, not part of CI; 3 rounds, 5 s)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ $# -ge 1 ] || { echo "usage: scripts/bench-against-commit.sh COMMIT [rounds] [seconds]" >&2; exit 2; }
commit=$(git rev-parse --short "$1^{commit}") || { echo "bench-against-commit: '$1' is not a commit here" >&2; exit 2; }
rounds="${2:-3}"
secs="${3:-5}"
. "$root/scripts/lib/bench-common.sh"
cpu_line
old="$root/runs/against-$commit"
if [ ! -d "$old" ]; then
    git worktree add --detach "$old" "$commit" >/dev/null || exit 1
fi
dotnet build -c Release "$old/src/DistNN.Cli" -nologo -v quiet >/dev/null || { echo "bench-against-commit: $commit does not build" >&2; exit 1; }
dotnet build -c Release src/DistNN.Cli -nologo -v quiet >/dev/null || exit 1
new_dll="$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll"
old_dll="$old/src/DistNN.Cli/bin/Release/net10.0/distnn.dll"
echo "new: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted changes') ($(dotnet "$new_dll" --version 2>/dev/null | head -1)); old: $commit"
echo "$rounds rounds of $secs s per run; $(uptime)"
results=$(mktemp)
for r in $(seq 1 "$rounds"); do
    for t in 1 2; do
        both=$(dotnet "$new_dll" bench --gemm 1024 --threads "$t" --gemm-against "$(dirname "$old_dll")")
        n=$(last_json gflops_median <<< "$both")
        o=$(last_json other_gflops_median <<< "$both")
        echo "gemm1024 $t $r $n $o" | tee -a "$results"
        echo "  in-process pairs new/old: wall $(last_json ratio_median <<< "$both"), thread CPU $(last_json cpu_time_ratio_median <<< "$both")"
    done
    for m in mlp cnn rnn lstm; do
        for t in 1 2; do
            n=$(dotnet "$new_dll" bench --model "$m" --batch 64 --threads "$t" --seconds "$secs" | last_json samples_per_sec_median)
            o=$(dotnet "$old_dll" bench --model "$m" --batch 64 --threads "$t" --seconds "$secs" | last_json samples_per_sec_median)
            echo "$m $t $r $n $o" | tee -a "$results"
        done
    done
done
echo "$(uptime)"
python3 - "$results" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"{'bench':16} {'new':>9} {'old':>9} {'new/old':>7}   per round")
def show(name, xs):
    rs = [n / o for n, o in xs]
    print(f"{name:16} {st.median(n for n, _ in xs):9.1f} {st.median(o for _, o in xs):9.1f} {st.median(rs):7.2f}   " + " ".join(f"{x:.2f}" for x in rs))
for t in ("1", "2"):
    show(f"gemm1024 {t} thr", [(float(n), float(o)) for b, tt, r, n, o in rows if b == "gemm1024" and tt == t])
for m in ("mlp", "cnn", "rnn", "lstm"):
    best = {}
    for b, t, r, n, o in rows:
        if b == m:
            bn, bo = best.get(r, (0.0, 0.0))
            best[r] = (max(bn, float(n)), max(bo, float(o)))
    show(f"{m} B64 best", list(best.values()))
PY
rm -f "$results"
