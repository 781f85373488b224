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
trap 'rm -f "$log"' EXIT
status=0
dotnet build DistNN.sln -c Release -nologo -v quiet 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit "$status"
fi
dotnet test DistNN.sln -c Release --no-build -nologo 2>&1 | tee "$log" || status=$?

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
    grep -E '^[[:space:]]+Skipped ' "$log" | sed 's/^[[:space:]]*/  /'
    grep -Eo 'SKIPPED LOUDLY: .*' "$log" | sort -u | sed 's/^/  /'
    if [ "${DISTNN_COMPOSE_TEST:-}" != 1 ]; then
        echo "  ComposeClusterSpec: the docker-compose cluster was NOT run: it is opt-in (DISTNN_COMPOSE_TEST=1) because it"
        echo "  builds the image and trains in containers for minutes; it needs a Docker daemon (scripts/compose-run.sh)"
    fi
fi
echo "$passed passed, $failed failed"
exit "$status"
