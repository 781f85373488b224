# Sourced by the benchmark scripts: the CPU line every figure starts with, a field of a summary file, a free port.
cpu_line() { echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(grep -qw avx512f /proc/cpuinfo && echo avx512f || echo 'no avx512f'))"; }

# field FILE KEY: KEY of the JSON file FILE (a summary), rounded to 4 places.
field() { python3 -c "import json,sys; print(round(json.load(open('$1'))['$2'],4))"; }

# last_json KEY: KEY of the last line of standard input, a JSON object (what `distnn bench` and the reference scripts print).
last_json() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

# free_port FROM: the first port from FROM on where nothing listens on loopback (FROM itself when none is free).
free_port() { local p; for ((p = $1; p < $1 + 200; p++)); do (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; echo "$1"; }

# use_published_distnn: sets DISTNN_DLL to distnn published ReadyToRun (its code and its libraries' precompiled, so a
# node does not JIT what it runs first; see docs/performance.md) into runs/publish, unless DISTNN_DLL is already set
# (e.g. DISTNN_DLL=src/DistNN.Cli/bin/Release/net10.0/distnn.dll measures the plain build). Both sides of a comparison
# then run the same binary.
use_published_distnn() {
    if [[ -n "${DISTNN_DLL:-}" ]]; then echo "binary: $DISTNN_DLL (DISTNN_DLL)"; return; fi
    local rid
    case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) rid="linux-$(uname -m)" ;; esac
    dotnet publish src/DistNN.Cli -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
        -o runs/publish -nologo -v quiet >/dev/null || { echo "dotnet publish (ReadyToRun, $rid) failed" >&2; exit 1; }
    export DISTNN_DLL="$PWD/runs/publish/distnn.dll"   # local-cluster.sh: no build per run
    echo "binary: runs/publish/distnn.dll (ReadyToRun, $rid)"
}
