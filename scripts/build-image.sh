#!/usr/bin/env bash
# Builds the agent image etcd-container-presence:latest without any registry.
#
#   scripts/build-image.sh [--docker-host unix:///path/docker.sock]
#
# Without --docker-host, DOCKER_HOST from the environment (or the docker CLI
# default) is used.
#
# How: build `presence` in release mode with the Swift stdlib linked
# statically, put it and the few system shared libraries it still needs
# (as reported by ldd) into a root filesystem directory, and `docker build`
# deploy/Dockerfile (FROM scratch + COPY) over it.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

IMAGE=etcd-container-presence:latest
# Separate scratch path so a release build never invalidates the debug build
# in .build (ignored by git via `.build-*/`).
SCRATCH=$ROOT/.build-release
CONTEXT=$SCRATCH/image-context

log() { printf '[build-image] %s\n' "$*" >&2; }
die() { printf '[build-image] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    echo "usage: $0 [--docker-host unix:///path/docker.sock]" >&2
    exit 2
}

docker_host=${DOCKER_HOST:-}
while (($#)); do
    case $1 in
        --docker-host) (($# >= 2)) || usage; docker_host=$2; shift 2 ;;
        --docker-host=*) docker_host=${1#*=}; shift ;;
        -h | --help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
docker_cli() {
    if [[ -n $docker_host ]]; then docker -H "$docker_host" "$@"; else docker "$@"; fi
}

if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null || die "swift not found; run scripts/install-deps.sh"
command -v docker >/dev/null || die "docker CLI not found; run scripts/install-deps.sh"
command -v ldd >/dev/null || die "ldd not found; run scripts/install-deps.sh"
docker_cli version >/dev/null 2>&1 ||
    die "cannot reach dockerd at ${docker_host:-the default DOCKER_HOST}; pass --docker-host unix:///path/docker.sock"

# --- 1. release build --------------------------------------------------------
t0=$SECONDS
# shellcheck source=scripts/release-build.sh
RELEASE_SCRATCH=$SCRATCH source "$SCRIPT_DIR/release-build.sh"
log "swift build ${RELEASE_FLAGS[*]}"
release_build
BIN=$(release_binary)
[[ -x $BIN ]] || die "build succeeded but $BIN is missing"
log "release build took $((SECONDS - t0))s"

# --- 2. root filesystem ------------------------------------------------------
t1=$SECONDS
rm -rf "$CONTEXT"
ROOTFS=$CONTEXT/rootfs
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/etc/ssl/certs" "$ROOTFS/tmp"
chmod 1777 "$ROOTFS/tmp"

# Drop the DWARF debug info (about half the binary) but keep the symbol
# table, which the backtracer below uses to name functions in crash reports.
if command -v strip >/dev/null; then
    strip --strip-debug -o "$ROOTFS/usr/local/bin/presence" "$BIN"
elif command -v llvm-strip >/dev/null; then
    llvm-strip --strip-debug -o "$ROOTFS/usr/local/bin/presence" "$BIN"
else
    log "WARNING: no strip/llvm-strip found; copying the binary with debug info"
    cp "$BIN" "$ROOTFS/usr/local/bin/presence"
fi
# Of the symbol table, only the functions' names serve the backtracer: the data symbols (type metadata,
# descriptors, globals) name no frame, and are a fifth of the file.
if command -v nm >/dev/null && command -v objcopy >/dev/null; then
    nm --defined-only "$ROOTFS/usr/local/bin/presence" | awk '$2 ~ /^[dDrRbBvV]$/ { print $3 }' >"$CONTEXT/data-symbols"
    objcopy --strip-symbols="$CONTEXT/data-symbols" "$ROOTFS/usr/local/bin/presence"
fi
# The functions' names, three quarters of what is left of the table, stored zlib-compressed: the backtracer
# reads them so (9.6 MB less).
python3 "$SCRIPT_DIR/compress-symbol-names.py" "$ROOTFS/usr/local/bin/presence"
executables=("$ROOTFS/usr/local/bin/presence")

# Swift's crash backtracer: without it a crash prints only "unable to locate
# swift-backtrace". deploy/Dockerfile points SWIFT_BACKTRACE at this path
# (the runtime does not search for it in a FROM scratch image).
BACKTRACER_REL=usr/libexec/swift/linux/swift-backtrace-static
SWIFT_ROOT=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
if [[ -x $SWIFT_ROOT/$BACKTRACER_REL ]]; then
    mkdir -p "$ROOTFS/$(dirname "$BACKTRACER_REL")"
    # Without its own symbol table (3 MB): it names the agent's frames from the agent's table, and its own
    # would serve only a crash of the backtracer itself.
    strip --strip-all -o "$ROOTFS/$BACKTRACER_REL" "$SWIFT_ROOT/$BACKTRACER_REL"
    executables+=("$ROOTFS/$BACKTRACER_REL")
else
    log "WARNING: $SWIFT_ROOT/$BACKTRACER_REL not found; crashes will have no backtrace"
fi

# Shared libraries, at the absolute paths ldd reports so the dynamic loader
# (itself copied to its ELF interpreter path) finds them through its default
# search directories. cp -L: copy the file behind versioned symlinks under
# the name the binary asks for. Lines look like:
#   libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x...)
#   /lib64/ld-linux-x86-64.so.2 (0x...)
#   linux-vdso.so.1 (0x...)            <- provided by the kernel, skipped
declare -A libs=()
for exe in "${executables[@]}"; do
    ldd_out=$(ldd "$exe" 2>&1 || true)
    if grep -q 'not found' <<<"$ldd_out"; then
        die "ldd reports missing libraries for $exe:"$'\n'"$ldd_out"
    fi
    while read -r line; do
        if [[ $line =~ =\>\ (/[^ ]+) ]]; then
            libs[${BASH_REMATCH[1]}]=1
        elif [[ $line =~ ^(/[^ ]+)\ \( ]]; then
            libs[${BASH_REMATCH[1]}]=1
        fi
    done <<<"$ldd_out"
done
for lib in "${!libs[@]}"; do
    mkdir -p "$ROOTFS$(dirname "$lib")"
    cp -L "$lib" "$ROOTFS$lib"
done
if ((${#libs[@]} == 0)); then
    log "fully static; no shared libraries copied"
else
    log "copied ${#libs[@]} shared libraries: $(printf '%s\n' "${!libs[@]}" | sort | tr '\n' ' ')"
fi

# CA bundle: for TLS connections to etcd.
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    cp -L /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
else
    log "WARNING: /etc/ssl/certs/ca-certificates.crt missing (install ca-certificates); image has no CA bundle"
fi

# Minimal user/group databases (getpwuid etc. and tools inspecting the image
# expect them) and name resolution config: glibc >= 2.34 has the files and
# dns NSS modules built in, it only needs to be told to use them.
cat >"$ROOTFS/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
presence:x:65532:65532:presence:/nonexistent:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat >"$ROOTFS/etc/group" <<'EOF'
root:x:0:
presence:x:65532:
nogroup:x:65534:
EOF
cat >"$ROOTFS/etc/nsswitch.conf" <<'EOF'
passwd: files
group:  files
hosts:  files dns
EOF
# The agent's own user owns its binary (deploy/Dockerfile copies it apart): Linux lets a process reclaim a
# file's pages from its mappings only if it owns the file, and the agent reclaims its start's pages so
# (StartupPages; as another user, 2.3 MB more stay resident). Read-only and executable for everyone.
mkdir -p "$CONTEXT/agent"
mv "$ROOTFS/usr/local/bin/presence" "$CONTEXT/agent/presence"
chmod 0555 "$CONTEXT/agent/presence"
cp "$ROOT/deploy/Dockerfile" "$CONTEXT/Dockerfile"
log "rootfs ready ($(du -sh "$ROOTFS" | cut -f1)) in $((SECONDS - t1))s"

# --- 3. docker build ---------------------------------------------------------
# The legacy builder (DOCKER_BUILDKIT=0) needs nothing but the daemon. With
# BuildKit, CLI 23+ requires the buildx plugin (not in Debian's docker.io) and
# BuildKit may try to resolve images/frontends remotely; FROM scratch + COPY
# gains nothing from it. The CLI prints a deprecation notice; that is
# expected.
t2=$SECONDS
log "docker build -t $IMAGE (legacy builder, offline)"
set +e
DOCKER_BUILDKIT=0 docker_cli build --pull=false -t "$IMAGE" -f "$CONTEXT/Dockerfile" "$CONTEXT" 2>&1 |
    grep -v -e '^DEPRECATED: The legacy builder' -e 'BuildKit is currently disabled' \
        -e '^ *environment-variable\.$' -e 'Install the buildx component' \
        -e 'https://docs.docker.com/go/buildx/' -e '^ *$' >&2
rc=${PIPESTATUS[0]}
set -e
((rc == 0)) || die "docker build failed (exit $rc)"
log "docker build took $((SECONDS - t2))s"

size=$(docker_cli image inspect -f '{{.Size}}' "$IMAGE")
log "built $IMAGE: $(awk -v b="$size" 'BEGIN { printf "%.1f MB (%d bytes)", b / 1000000, b }')"
