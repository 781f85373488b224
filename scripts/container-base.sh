#!/usr/bin/env bash
# Prepares what `docker build` of the DistNN image needs when the usual base images cannot be pulled (no container
# registry reachable): three local images made from Debian's mirror and this machine's .NET, and a local NuGet feed.
#
#   eval "$(scripts/container-base.sh)"      # then: docker-compose up --build
#
#   distnn-base:bookworm          debootstrap --variant=minbase bookworm from the mirror apt uses here (plus what .NET
#                                 needs: ICU, OpenSSL, CA certificates), imported with `docker import`
#   distnn-dotnet-sdk:10.0        that base with this machine's .NET SDK copied in (found with `dotnet --info`)
#   distnn-dotnet-runtime:10.0    that base with the .NET runtime and ASP.NET Core (Microsoft.NETCore.App, Microsoft.AspNetCore.App, the host)
#   .nuget-feed/                  the .nupkg files the distnn command restores, taken from this machine's NuGet packages
#                                 after a restore here, so the build restores from the context and needs no network
#
# When the official images can be pulled, nothing is built and nothing is printed: the Dockerfile's defaults apply.
# Otherwise stdout gets the variables docker-compose.yml passes to the Dockerfile as build arguments:
#   export DISTNN_SDK_IMAGE=distnn-dotnet-sdk:10.0 DISTNN_RUNTIME_IMAGE=distnn-dotnet-runtime:10.0
# (for a plain build: docker build --build-arg SDK_IMAGE=… --build-arg RUNTIME_IMAGE=… -t distnn:local .).
#
# Options:
#   --local        build the local images even if the official ones could be pulled
#   --rebuild      rebuild the local images even if they exist (after a .NET update, say)
#   --mirror URL   the Debian mirror (default: the first bookworm source in /etc/apt/sources.list*)
# Needs root (debootstrap), a running Docker daemon, debootstrap and dotnet. Progress goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
say() { echo "container-base: $*" >&2; }
fail() { say "$*"; exit 1; }

official_sdk=mcr.microsoft.com/dotnet/sdk:10.0
official_runtime=mcr.microsoft.com/dotnet/runtime:10.0
base_image=distnn-base:bookworm
sdk_image=distnn-dotnet-sdk:10.0
runtime_image=distnn-dotnet-runtime:10.0
suite=bookworm
local_only=false
rebuild=false
mirror=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --local) local_only=true; shift ;;
        --rebuild) rebuild=true; local_only=true; shift ;;
        --mirror) [[ $# -ge 2 ]] || fail "--mirror needs a URL"; mirror="$2"; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
        *) fail "unknown option '$1' (see --help)" ;;
    esac
done

command -v docker >/dev/null || fail "docker is not installed (Debian: apt-get install docker.io)"
docker info >/dev/null 2>&1 || fail "no Docker daemon answers (start one: dockerd --storage-driver=overlay2 &)"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ! $local_only; then
    if { have_image "$official_sdk" || timeout 60 docker pull -q "$official_sdk" >/dev/null 2>&1; } &&
       { have_image "$official_runtime" || timeout 60 docker pull -q "$official_runtime" >/dev/null 2>&1; }; then
        say "the official .NET images are available; the Dockerfile's defaults apply"
        exit 0
    fi
    say "the official .NET images cannot be pulled; building local ones"
fi

# The mirror apt already uses: deb822 sources (URIs:/Suites:) or one-line ones (deb URL SUITE …).
debian_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        if [[ "$f" == *.sources ]]; then
            awk -v suite="$suite" '
                /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) found = uri }
                /^$/ { if (found != "") { print found; exit } uri = "" }
                END { if (found != "") print found }' "$f" | head -1
        else
            awk -v suite="$suite" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i == suite) { print $(i - 1); exit } }' "$f"
        fi
    done | head -1
}

# The .NET installation `dotnet --info` names ("Base Path: <root>/sdk/<version>/"), and its runtime's version.
dotnet_root() { dotnet --info | awk -F': *' '/Base Path:/ { print $2; exit }' | sed 's:/sdk/[^/]*/*$::'; }
runtime_version() { dotnet --list-runtimes | awk -v f="${1:-Microsoft.NETCore.App}" '$1 == f { v = $2 } END { print v }'; }

build_base() {
    command -v debootstrap >/dev/null || fail "debootstrap is not installed (Debian: apt-get install debootstrap)"
    [[ $(id -u) -eq 0 ]] || fail "debootstrap needs root"
    [[ -n "$mirror" ]] || mirror="$(debian_mirror)"
    [[ -n "$mirror" ]] || fail "no $suite source in /etc/apt/sources.list*; give one with --mirror URL"
    local rootfs
    rootfs="$(mktemp -d)"
    # .NET needs the C++ runtime (apt brings it), ICU, OpenSSL (TLS) and zlib; `hostname -i` is the entry point's.
    say "debootstrap --variant=minbase $suite from $mirror (a few minutes)"
    debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,zlib1g,hostname,tzdata \
        "$suite" "$rootfs" "$mirror" >&2 || { rm -rf "$rootfs"; fail "debootstrap failed (see above)"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" --numeric-owner -c . |
        docker import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$base_image" >&2
    rm -rf "$rootfs"
    say "built $base_image"
}

# dotnet_image TAG WHAT…: the base with the given parts of the .NET root copied to /usr/share/dotnet.
dotnet_image() {
    local tag="$1"; shift
    local dotnet context part
    dotnet="$(dotnet_root)"
    [[ -x "$dotnet/dotnet" ]] || fail "no dotnet executable in '$dotnet' (from dotnet --info)"
    context="$(mktemp -d)"
    mkdir -p "$context/dotnet"
    for part in "$@"; do
        mkdir -p "$context/dotnet/$(dirname "$part")"
        cp -al "$dotnet/$part" "$context/dotnet/$part" 2>/dev/null || cp -a "$dotnet/$part" "$context/dotnet/$part"
    done
    cat > "$context/Dockerfile" <<EOF
FROM $base_image
COPY dotnet/ /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
EOF
    docker build -q -t "$tag" "$context" >&2 || { rm -rf "$context"; fail "docker build of $tag failed"; }
    rm -rf "$context"
    docker run --rm "$tag" dotnet --info >/dev/null || fail "dotnet --info does not run in $tag"
    say "built $tag (dotnet --info runs in it)"
}

# The .nupkg files of every package the distnn command's projects restore, flat in .nuget-feed/ (the Dockerfile
# restores from there when it holds any): a restore here first, then each library of every project's assets file (a
# project's own graph can need packages its referencing project has pruned, e.g. those ASP.NET Core provides).
build_feed() {
    local feed="$root/.nuget-feed"
    say "restoring src/DistNN.Cli here to list its packages"
    # As the Dockerfile restores: ReadyToRun for this machine's architecture, which adds the runtime packs and crossgen2
    # (the assets files list those under downloadDependencies, not as libraries).
    local rid
    case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) rid="linux-$(uname -m)" ;; esac
    dotnet restore "$root/src/DistNN.Cli/DistNN.Cli.csproj" -r "$rid" -p:PublishReadyToRun=true -nologo -v quiet >&2 \
        || fail "dotnet restore failed"
    rm -rf "$feed"; mkdir -p "$feed"
    python3 - "$feed" "$root"/src/*/obj/project.assets.json <<'EOF' || fail "could not collect the packages into $feed"
import json, os, shutil, sys
copied = set()
for path in sys.argv[2:]:
    assets = json.load(open(path))
    folders = list(assets["packageFolders"])
    # name/version -> folder under the packages folder (lower-case id/version, as NuGet lays it out)
    wanted = {name: lib["path"] for name, lib in assets["libraries"].items() if lib["type"] == "package"}
    for framework in assets["project"]["frameworks"].values():
        for pack in framework.get("downloadDependencies", []):
            version = pack["version"].strip("[]").split(",")[0].strip()
            wanted[f"{pack['name']}/{version}"] = f"{pack['name'].lower()}/{version}"
    for name, path in wanted.items():
        if name in copied:
            continue
        found = [os.path.join(f, path, n) for f in folders if os.path.isdir(os.path.join(f, path))
                 for n in os.listdir(os.path.join(f, path)) if n.endswith(".nupkg")]
        if not found:
            sys.exit(f"{name}: no .nupkg under {', '.join(folders)}")
        shutil.copy(found[0], sys.argv[1])
        copied.add(name)
EOF
    say "$(ls "$feed" | wc -l) packages in .nuget-feed/"
}

if $rebuild || ! have_image "$base_image"; then build_base; fi
if $rebuild || ! have_image "$sdk_image"; then dotnet_image "$sdk_image" .; fi
if $rebuild || ! have_image "$runtime_image"; then
    # ASP.NET Core beside the runtime: `distnn` references it (the dashboard's Kestrel).
    dotnet_image "$runtime_image" dotnet LICENSE.txt ThirdPartyNotices.txt host "shared/Microsoft.NETCore.App/$(runtime_version)" \
        "shared/Microsoft.AspNetCore.App/$(runtime_version Microsoft.AspNetCore.App)"
fi
build_feed
echo "export DISTNN_SDK_IMAGE=$sdk_image DISTNN_RUNTIME_IMAGE=$runtime_image"
