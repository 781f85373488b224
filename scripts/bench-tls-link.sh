#!/usr/bin/env bash
# The data plane's TLS cost on a link with a real bandwidth: `distnn bench --push-pull --tls` (plain and TLS rounds
# alternating) run inside a network namespace of its own whose loopback is shaped by a token bucket (tc tbf) to RATE,
# so that the 1.69 MB push and reply are wire-bound as between two machines. Only the namespace this script makes is
# shaped, and it is removed at the end (also on Ctrl-C). Needs root (ip netns, tc). Without RATE: plain loopback.
#
#   scripts/bench-tls-link.sh [--rate 10gbit|1gbit|…] [--rounds R] [--seconds S]
#
# Prints the bench's lines (one per round, then the comparison) and the CPU and load.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rate=""; rounds=5; seconds=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rate) rate="${2:?--rate needs a value, e.g. 10gbit}"; shift 2 ;;
        --rounds) rounds="${2:?--rounds needs a number}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
        -h|--help) sed -n 2,9p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-tls-link: unknown option '$1'" >&2; exit 2 ;;
    esac
done
if [[ -n "${DISTNN_DLL:-}" ]]; then
    dll="$DISTNN_DLL"
else
    dotnet build "$root/src/DistNN.Cli" -c Release -nologo -v quiet >/dev/null || { echo "bench-tls-link: build failed" >&2; exit 1; }
    dll="$root/src/DistNN.Cli/bin/Release/net10.0/distnn.dll"
fi
bench=(dotnet "$dll" bench --push-pull --tls --rounds "$rounds" --seconds "$seconds")
if [[ -z "$rate" ]]; then
    "${bench[@]}" 2>/dev/null
else
    [[ "$(id -u)" -eq 0 ]] || { echo "bench-tls-link: --rate needs root (ip netns, tc)" >&2; exit 2; }
    ns="distnn-link$$"
    trap 'ip netns del "$ns" 2>/dev/null' EXIT
    trap 'exit 130' INT TERM
    ip netns add "$ns" || exit 1
    ip -n "$ns" link set lo up || exit 1
    # A queue deep enough that TCP never loses a packet to it; a burst of a few loopback packets (64 KB each).
    tc -n "$ns" qdisc add dev lo root tbf rate "$rate" burst 256kb limit 32mb || exit 1
    echo "loopback of namespace $ns shaped: $(tc -n "$ns" qdisc show dev lo)"
    ip netns exec "$ns" "${bench[@]}" 2>/dev/null
fi
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), aes: $(grep -qw aes /proc/cpuinfo && echo yes || echo no), avx512f: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no), load: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %H:%M UTC')"
