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
# shellcheck source=scripts/scratch-image.sh
source "$(dirname "${BASH_SOURCE[0]}")/scratch-image.sh"
tag=presence-etcd:local
ETCD=/usr/bin/etcd
[[ -x $ETCD ]] || die "$ETCD not found; run scripts/install-deps.sh (package etcd-server)"
parse_image_arguments "$@"

CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
ROOTFS=$CONTEXT/rootfs
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/tmp" "$ROOTFS/var/lib/etcd" "$ROOTFS/etc"
chmod 1777 "$ROOTFS/tmp"
copy_with_libraries "$ETCD" "$ROOTFS" /usr/local/bin/etcd

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

log "docker build -t $tag from $ETCD ($("$ETCD" --version 2>/dev/null | head -n1))"
build_scratch_image "$CONTEXT"
