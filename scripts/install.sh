#!/usr/bin/env bash
# Packs src/DistNN.Cli as a .NET tool and installs it for this user (~/.dotnet/tools), so `distnn` runs from any folder.
# Usage: scripts/install.sh            (again after changing the code: it replaces the installed copy)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/artifacts/tool"
rm -rf "$out"
mkdir -p "$out"

echo "install.sh: packing distnn (dotnet pack, Release)…"
dotnet pack "$root/src/DistNN.Cli" -c Release -o "$out" -nologo -v quiet
package="$(cd "$out" && ls distnn.*.nupkg | head -n1)"
version="${package#distnn.}"
version="${version%.nupkg}"

dotnet tool uninstall --global distnn >/dev/null 2>&1 || true
# A private package cache: an older package of the same version in the user's NuGet cache must not be taken instead.
NUGET_PACKAGES="$out/cache" dotnet tool install --global --add-source "$out" --ignore-failed-sources distnn --version "$version"
rm -rf "$out/cache"

tools="${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools"
case ":$PATH:" in
    *":$tools:"*) echo "install.sh: distnn $version installed; try: distnn --help" ;;
    *) echo "install.sh: distnn $version installed in $tools, which is not on your PATH; add it with:"
       echo "    export PATH=\"\$PATH:$tools\"" ;;
esac
