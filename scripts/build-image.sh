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

# The executable without debug information or symbol table: the function names that the crash backtracer
# prints go into a symbol file that the image stores compressed, with the backtracer (below).
command -v strip >/dev/null || die "strip not found; run scripts/install-deps.sh (binutils)"
strip --strip-all -o "$ROOTFS/usr/local/bin/presence" "$BIN"

# Swift's crash backtracer, without which a crash prints only "unable to locate swift-backtrace", and what it
# needs to name the agent's frames. All of it serves only when the agent crashes, so the image keeps it
# xz-compressed behind a small launcher that inflates it then (deploy/backtracer-launcher.c, where the
# layout is): the backtracer, the libraries that only it links, and the agent's function symbols, which
# the backtracer looks for by the executable's build id at a link into /dev/shm, where the launcher puts
# them. deploy/Dockerfile points SWIFT_BACKTRACE at the launcher.
BACKTRACER=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/libexec/swift/linux/swift-backtrace-static
[[ -x $BACKTRACER ]] || die "$BACKTRACER not found: the image keeps Swift's crash backtracer"
command -v cc >/dev/null || die "cc not found; run scripts/install-deps.sh (gcc)"
command -v xz >/dev/null || die "xz not found; run scripts/install-deps.sh (xz-utils)"
BACKTRACE_DIR=$ROOTFS/usr/libexec/presence
mkdir -p "$BACKTRACE_DIR/lib"
cc -O2 -Wall -Wextra -Werror -o "$BACKTRACE_DIR/swift-backtrace" "$ROOT/deploy/backtracer-launcher.c" \
    -Wl,-Bstatic -llzma -Wl,-Bdynamic ||
    die "cannot build deploy/backtracer-launcher.c (it needs liblzma's header and archive: scripts/install-deps.sh)"
# Without its own symbol table (3 MB): it names the agent's frames from the agent's symbols, and its own
# would serve only a crash of the backtracer itself.
strip --strip-all -o "$SCRATCH/swift-backtrace-static" "$BACKTRACER"
xz -9e -T1 -c "$SCRATCH/swift-backtrace-static" >"$BACKTRACE_DIR/swift-backtrace-static.xz"
python3 "$SCRIPT_DIR/backtracer-symbols.py" "$BIN" "$SCRATCH/presence-symbols.debug"
xz -9e -T1 -c "$SCRATCH/presence-symbols.debug" >"$BACKTRACE_DIR/symbols.xz"
build_id=$(readelf -n "$ROOTFS/usr/local/bin/presence" | awk '/Build ID:/ { print $3 }')
[[ $build_id =~ ^[0-9a-f]{4,}$ ]] || die "the executable has no build id (the linker's --build-id)"
mkdir -p "$ROOTFS/usr/lib/debug/.build-id/${build_id:0:2}"
ln -s /dev/shm/presence-symbols.debug "$ROOTFS/usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug"
executables=("$ROOTFS/usr/local/bin/presence" "$BACKTRACE_DIR/swift-backtrace")

# The shared libraries that ldd lists for each of the given binaries, as "soname path" lines. Lines of ldd
# look like:
#   libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x...)
#   /lib64/ld-linux-x86-64.so.2 (0x...)
#   linux-vdso.so.1 (0x...)            <- provided by the kernel, skipped
shared_libraries() {
    local exe ldd_out line
    for exe in "$@"; do
        ldd_out=$(ldd "$exe" 2>&1 || true)
        if grep -q 'not found' <<<"$ldd_out"; then
            die "ldd reports missing libraries for $exe:"$'\n'"$ldd_out"
        fi
        while read -r line; do
            if [[ $line =~ ^([^ ]+)\ =\>\ (/[^ ]+) ]]; then
                echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
            elif [[ $line =~ ^(/[^ ]+)\ \( ]]; then
                echo "${BASH_REMATCH[1]} ${BASH_REMATCH[1]}"
            fi
        done <<<"$ldd_out"
    done | sort -u
}

# The agent's and the launcher's libraries, at the absolute paths ldd reports so the dynamic loader
# (itself copied to its ELF interpreter path) finds them through its default search directories. cp -L:
# copy the file behind versioned symlinks under the name the binary asks for.
# libgcc_s counts among them although only the backtracer links it: glibc loads it into the agent (dlopen)
# when a thread ends by pthread_exit, and aborts the process if it cannot.
declare -A libs=()
agent_libraries=$(shared_libraries "${executables[@]}") || exit 1
backtracer_libraries=$(shared_libraries "$SCRATCH/swift-backtrace-static") || exit 1
while read -r soname lib; do
    [[ $soname == libgcc_s.so.* ]] && libs[$lib]=1
done <<<"$backtracer_libraries"
while read -r _ lib; do
    libs[$lib]=1
done <<<"$agent_libraries"
for lib in "${!libs[@]}"; do
    mkdir -p "$ROOTFS$(dirname "$lib")"
    cp -L "$lib" "$ROOTFS$lib"
done
# Those only the backtracer links (libstdc++ above all), compressed beside it under their sonames.
bundled=()
while read -r soname lib; do
    [[ -n ${libs[$lib]:-} ]] && continue
    xz -9e -T1 -c "$lib" >"$BACKTRACE_DIR/lib/$soname.xz"
    bundled+=("$soname")
done <<<"$backtracer_libraries"
log "the backtracer, ${bundled[*]:-no library} and the agent's symbols, compressed: $(du -sh "$BACKTRACE_DIR" | cut -f1)"
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
