#!/usr/bin/env bash
# Builds an etcd image from Debian's etcd binary, without any registry, for
# deploy/compose.yaml where quay.io cannot be reached (tests, air-gapped hosts).
#
#   scripts/build-etcd-image.sh [--docker-host unix:///path/docker.sock] [--tag NAME:TAG]
#
# The image is FROM scratch: /usr/local/bin/etcd (as in quay.io/coreos/etcd,
# so the compose file's command works with either) plus the shared libraries
# ldd lists (glibc and its loader). Default tag: presence-etcd:local.
# Needs etcd-server (scripts/install-deps.sh installs it).
set -euo pipefail

log() { printf '[build-etcd-image] %s\n' "$*" >&2; }
die() { printf '[build-etcd-image] ERROR: %s\n' "$*" >&2; exit 1; }
usage() {
    echo "usage: $0 [--docker-host unix:///path/docker.sock] [--tag NAME:TAG]" >&2
    exit 2
}

docker_host=${DOCKER_HOST:-}
tag=presence-etcd:local
while (($#)); do
    case $1 in
        --docker-host) (($# >= 2)) || usage; docker_host=$2; shift 2 ;;
        --docker-host=*) docker_host=${1#*=}; shift ;;
        --tag) (($# >= 2)) || usage; tag=$2; shift 2 ;;
        --tag=*) tag=${1#*=}; shift ;;
        -h | --help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
docker_cli() {
    if [[ -n $docker_host ]]; then docker -H "$docker_host" "$@"; else docker "$@"; fi
}

ETCD=/usr/bin/etcd
[[ -x $ETCD ]] || die "$ETCD not found; run scripts/install-deps.sh (package etcd-server)"
command -v ldd >/dev/null || die "ldd not found; run scripts/install-deps.sh"
docker_cli version >/dev/null 2>&1 ||
    die "cannot reach dockerd at ${docker_host:-the default DOCKER_HOST}; pass --docker-host unix:///path/docker.sock"

CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
ROOTFS=$CONTEXT/rootfs
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/tmp" "$ROOTFS/var/lib/etcd" "$ROOTFS/etc"
chmod 1777 "$ROOTFS/tmp"
cp "$ETCD" "$ROOTFS/usr/local/bin/etcd"

# Libraries at the paths ldd reports, the loader at its ELF interpreter path:
#   libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)
#   /lib64/ld-linux-x86-64.so.2 (0x...)
while read -r line; do
    lib=""
    if [[ $line =~ =\>\ (/[^ ]+) ]]; then
        lib=${BASH_REMATCH[1]}
    elif [[ $line =~ ^(/[^ ]+)\ \( ]]; then
        lib=${BASH_REMATCH[1]}
    fi
    [[ -n $lib ]] || continue
    mkdir -p "$ROOTFS$(dirname "$lib")"
    cp -L "$lib" "$ROOTFS$lib"
done < <(ldd "$ETCD" 2>/dev/null || true)

# Go's resolver reads these; "localhost" must resolve without DNS.
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ROOTFS/etc/hosts"
printf 'hosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"

cat >"$CONTEXT/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin
EXPOSE 2379 2380
CMD ["/usr/local/bin/etcd"]
EOF

# The legacy builder needs nothing but the daemon (see scripts/build-image.sh).
log "docker build -t $tag from $ETCD ($("$ETCD" --version 2>/dev/null | head -n1))"
DOCKER_BUILDKIT=0 docker_cli build --pull=false -q -t "$tag" "$CONTEXT" >/dev/null 2>"$CONTEXT/build.log" ||
    die "docker build failed: $(cat "$CONTEXT/build.log")"
log "built $tag"
