#!/usr/bin/env bash
# Runs the whole test suite the way CI does: fetch MNIST if missing, build, test every project,
# and end with one line "N passed, N failed" (the totals of the whole run).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

export DISTNN_MNIST_DIR="${DISTNN_MNIST_DIR:-$root/data/mnist}"
if ! scripts/fetch-mnist.sh "$DISTNN_MNIST_DIR"; then
    echo "scripts/test.sh: could not get MNIST into $DISTNN_MNIST_DIR; the MNIST tests will fail and say so" >&2
fi

# The dashboard's browser test drives Debian's chromium; without it that test is skipped and says so.
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test.sh: installing Debian's chromium for the dashboard's browser test"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
            || echo "scripts/test.sh: WARNING: could not install chromium with apt-get: the dashboard's browser test will be SKIPPED" >&2
    else
        echo "scripts/test.sh: WARNING: no chromium and no way to install it (apt-get as root): the dashboard's browser test will be SKIPPED" >&2
    fi
fi

log="$(mktemp)"
results="$(mktemp -d)"
trap 'rm -rf "$log" "$results"' EXIT
status=0
dotnet build DistNN.sln -c Release -nologo -v quiet 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit "$status"
fi

# The test projects run two at a time (DISTNN_TEST_JOBS), as `dotnet test` of the solution did on two cores, each into
# its own log and a TRX file (which keeps every skipped test's reason); each log is then printed whole, in order, so a
# project's lines stay together.
projects=(tests/*/*.Tests.csproj)
pids=()
for i in "${!projects[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "${DISTNN_TEST_JOBS:-2}" ]; do
        wait -n || true
    done
    name="$(basename "${projects[$i]}" .csproj)"
    dotnet test "${projects[$i]}" -c Release --no-build -nologo \
        --logger "trx;LogFileName=$name.trx" --results-directory "$results" > "$results/$name.log" 2>&1 &
    pids+=($!)
done
: > "$log"
for i in "${!projects[@]}"; do
    name="$(basename "${projects[$i]}" .csproj)"
    wait "${pids[$i]}" || status=$?
    echo "=== $name"
    grep -v '^Results File: ' "$results/$name.log" | tee -a "$log"
done

# Each test assembly ends with "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T" (or "Failed!  - …").
passed=$(grep -Eo 'Passed:[[:space:]]+[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed:[[:space:]]+[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1   # the runner itself failed (crash, missing assembly): count it rather than report a clean run
fi
skipped=$(grep -Eo 'Skipped:[[:space:]]+[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$skipped" -gt 0 ]; then
    # A skipped test checked nothing: say which, loudly (they need root or a tool this machine lacks).
    echo "WARNING: $skipped test(s) SKIPPED — they did not check anything on this machine:"
    # Each skipped test and its reason, from the TRX files (the console logger does not print reasons).
    if command -v python3 >/dev/null 2>&1; then
        python3 scripts/lib/trx-results.py NotExecuted 20 "$results"/*.trx
    else
        grep -ho '<Message>[^<]*' "$results"/*.trx | sed 's/<Message>/  /' | sort -u
    fi
    if [ "${DISTNN_COMPOSE_TEST:-}" != 1 ]; then
        echo "  ComposeClusterSpec: the docker-compose cluster was NOT run: it is opt-in (DISTNN_COMPOSE_TEST=1) because it"
        echo "  builds the image and trains in containers for minutes; it needs a Docker daemon (scripts/compose-run.sh)"
    fi
fi
if [ "$failed" -gt 0 ]; then
    # The failures again, last, so that the tail of a long log names them (each with its message's first lines).
    echo "FAILED — $failed test(s):"
    if command -v python3 >/dev/null 2>&1; then
        python3 scripts/lib/trx-results.py Failed 6 "$results"/*.trx
    else
        grep -h '^\s*Failed ' "$log" | sed 's/^/  /'
    fi
fi
echo "$passed passed, $failed failed"
exit "$status"
