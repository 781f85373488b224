# Sourced by the benchmark scripts: the CPU line every figure starts with, a field of a summary file, a free port.
cpu_line() { echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(grep -qw avx512f /proc/cpuinfo && echo avx512f || echo 'no avx512f'))"; }

# field FILE KEY: KEY of the JSON file FILE (a summary), rounded to 4 places.
field() { python3 -c "import json,sys; print(round(json.load(open('$1'))['$2'],4))"; }

# free_port FROM: the first port from FROM on where nothing listens on loopback (FROM itself when none is free).
free_port() { local p; for ((p = $1; p < $1 + 200; p++)); do (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; echo "$1"; }
