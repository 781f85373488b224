#!/bin/sh
# Entry point of the DistNN container image: `distnn node` with the arguments given, bound to every interface
# and announcing this container's own address to the other nodes unless DISTNN_PUBLIC_HOST says otherwise
# (a scaled service has no name of its own per replica). Every other setting comes from DISTNN_* variables
# (see `distnn node --help`) or the arguments.
set -e
: "${DISTNN_HOST:=0.0.0.0}"
if [ -z "${DISTNN_PUBLIC_HOST:-}" ]; then
    DISTNN_PUBLIC_HOST="$(hostname -i | awk '{print $1}')"
fi
# A node runs long: each method compiled once, optimized, rather than re-compiled while it trains (docs/performance.md).
: "${DOTNET_TieredCompilation:=0}"
export DISTNN_HOST DISTNN_PUBLIC_HOST DOTNET_TieredCompilation
exec dotnet /app/distnn.dll node "$@"
