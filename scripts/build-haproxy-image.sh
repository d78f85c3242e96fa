#!/usr/bin/env bash
# Builds an HAProxy image from Debian's haproxy binary, without any registry,
# for deploy/compose.proxy.yaml, which runs the read-only Docker socket proxy
# (deploy/docker-socket-proxy.cfg) in front of the agent.
#
#   scripts/build-haproxy-image.sh [--docker-host unix:///path/docker.sock] [--tag NAME:TAG]
#
# The image is FROM scratch: /usr/local/sbin/haproxy plus the shared libraries
# ldd lists, and /run/presence, owned by the unprivileged user 65534 that the
# compose file runs the proxy as: a volume mounted there starts with that
# owner, so the proxy can make its socket in it. Default tag:
# presence-haproxy:local. Needs haproxy (scripts/install-deps.sh installs it).
set -euo pipefail

log() { printf '[build-haproxy-image] %s\n' "$*" >&2; }
die() { printf '[build-haproxy-image] ERROR: %s\n' "$*" >&2; exit 1; }
usage() {
    echo "usage: $0 [--docker-host unix:///path/docker.sock] [--tag NAME:TAG]" >&2
    exit 2
}

docker_host=${DOCKER_HOST:-}
tag=presence-haproxy:local
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

HAPROXY=/usr/sbin/haproxy
[[ -x $HAPROXY ]] || die "$HAPROXY not found; run scripts/install-deps.sh (package haproxy)"
command -v ldd >/dev/null || die "ldd not found; run scripts/install-deps.sh"
docker_cli version >/dev/null 2>&1 ||
    die "cannot reach dockerd at ${docker_host:-the default DOCKER_HOST}; pass --docker-host unix:///path/docker.sock"

CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
ROOTFS=$CONTEXT/rootfs
mkdir -p "$ROOTFS/usr/local/sbin" "$ROOTFS/usr/local/etc/haproxy" "$ROOTFS/tmp" "$ROOTFS/etc" "$CONTEXT/run-presence"
chmod 1777 "$ROOTFS/tmp"
cp "$HAPROXY" "$ROOTFS/usr/local/sbin/haproxy"

# Libraries at the paths ldd reports, the loader at its ELF interpreter path.
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
done < <(ldd "$HAPROXY" 2>/dev/null || true)

printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOTFS/etc/group"

cat >"$CONTEXT/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
COPY --chown=65534:65534 run-presence/ /run/presence/
USER 65534:65534
CMD ["/usr/local/sbin/haproxy", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
DOCKERFILE

log "docker build -t $tag from $HAPROXY ($("$HAPROXY" -v 2>/dev/null | head -n1))"
DOCKER_BUILDKIT=0 docker_cli build --pull=false -q -t "$tag" "$CONTEXT" >/dev/null 2>"$CONTEXT/build.log" ||
    die "docker build failed: $(cat "$CONTEXT/build.log")"
log "built $tag"
