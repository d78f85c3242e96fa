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
# shellcheck source=scripts/scratch-image.sh
source "$(dirname "${BASH_SOURCE[0]}")/scratch-image.sh"
tag=presence-haproxy:local
HAPROXY=/usr/sbin/haproxy
[[ -x $HAPROXY ]] || die "$HAPROXY not found; run scripts/install-deps.sh (package haproxy)"
parse_image_arguments "$@"

CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
ROOTFS=$CONTEXT/rootfs
mkdir -p "$ROOTFS/usr/local/sbin" "$ROOTFS/usr/local/etc/haproxy" "$ROOTFS/tmp" "$ROOTFS/etc" "$CONTEXT/run-presence"
chmod 1777 "$ROOTFS/tmp"
copy_with_libraries "$HAPROXY" "$ROOTFS" /usr/local/sbin/haproxy

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
build_scratch_image "$CONTEXT"
