#!/usr/bin/env bash
# Installs the Debian packages the test/demo/image scripts need and checks
# that a Swift toolchain is available.
#
# Idempotent: only packages that are missing are installed, and `apt-get
# update` runs at most once (and only if something is missing).
#
# Usage: scripts/install-deps.sh
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

log() { printf '[install-deps] %s\n' "$*" >&2; }
die() { printf '[install-deps] ERROR: %s\n' "$*" >&2; exit 1; }

# Packages and why we need them:
#   etcd-server etcd-client  etcd + etcdctl for the integration tests and demo
#   docker.io                dockerd (+ containerd, runc, docker-proxy, CLI)
#   iptables                 dockerd programs NAT rules for published ports
#   busybox-static           a static busybox is the whole offline test image
#   curl                     readiness checks (etcd /health, dockerd /_ping)
#   socat                    tests proxy TCP to the Docker socket (and kill it)
#   openssl                  TLS tests make their CA and certificates with it
#   ca-certificates          copied into the agent image for TLS to etcd
#   tar                      building the test image rootfs (`docker import`)
#   util-linux               setsid (detach servers), umount, flock
#   libc-bin                 ldd (collect the agent's shared libraries)
#   podman                   the Podman tests run `podman system service`, whose
#                            Docker-compatible API the agent reads; with it:
#     conmon runc            container monitor and runtime (the tests choose runc:
#                            crun refuses this machine's hybrid cgroup layout)
#     netavark aardvark-dns  the network backend that publishes ports
#     containernetworking-plugins  the older backend Podman may fall back to
#     slirp4netns uidmap fuse-overlayfs catatonit
#                            rootless networking, id maps, overlay without root,
#                            and the init behind `--init`
#   docker-compose           deploy/compose.yaml and a scaled project's addresses
#                            are tested with it (v1, 1.29.2)
#   haproxy                  runs deploy/docker-socket-proxy.cfg, the read-only
#                            Docker socket proxy, in its tests
#   iproute2                 `ip`: the tests read the bridges' addresses from the
#                            kernel, and a leftover docker0 is deleted with it
#   systemd                  systemd-analyze verifies deploy/presence.service
#   python3                  the test helpers (slow, stalling and recording
#                            proxies) and scripts/backtracer-symbols.py
#   binutils                 strip and readelf trim the image's binaries
#   gcc liblzma-dev xz-utils the image's backtracer launcher is C with liblzma
#                            linked in, and what it inflates is xz-compressed
PACKAGES=(
    etcd-server etcd-client docker.io iptables busybox-static
    curl socat openssl ca-certificates tar util-linux libc-bin
    podman conmon runc netavark aardvark-dns containernetworking-plugins
    slirp4netns uidmap fuse-overlayfs catatonit
    docker-compose systemd iproute2 haproxy python3 binutils
    gcc liblzma-dev xz-utils
)

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    log "all Debian packages present"
else
    command -v apt-get >/dev/null || die "apt-get not found; install manually: ${missing[*]}"
    SUDO=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || die "not root and no sudo; install manually: ${missing[*]}"
        SUDO=(sudo)
    fi
    log "installing missing packages: ${missing[*]}"

    # The etcd-server and docker.io packages ship services that would start
    # immediately on a systemd machine: a system etcd on :2379 and, worse, a
    # system dockerd that fights our private dockerd over the docker0 bridge
    # and iptables chains. A temporary policy-rc.d (exit 101 = "action
    # forbidden") makes the maintainer scripts skip starting services. We
    # only add it if none exists, and always remove what we added.
    POLICY=/usr/sbin/policy-rc.d
    added_policy=0
    cleanup_policy() {
        if ((added_policy)); then "${SUDO[@]}" rm -f "$POLICY"; fi
    }
    trap cleanup_policy EXIT
    if [[ ! -e $POLICY ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
        "${SUDO[@]}" chmod 755 "$POLICY"
        added_policy=1
    fi

    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # Recommends are kept on purpose: docker.io recommends apparmor, without
    # which containers fail to start on AppArmor-enabled kernels.
    # NEEDRESTART_SUSPEND: needrestart (also a docker.io recommend) would
    # otherwise scan, and possibly prompt about, services after the install.
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
        apt-get install -y -q "${missing[@]}" </dev/null
    log "installed: ${missing[*]}"
fi

# Swift: the toolchain is not a Debian package. Accept it on PATH, or at the
# conventional /opt/swift location (callers apply the same PATH fix; an
# executed script cannot change its caller's PATH).
if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
if ! command -v swift >/dev/null; then
    die "swift not found on PATH (nor in /opt/swift/usr/bin). Install a Swift 6.1+ toolchain
    from https://www.swift.org/install/linux/ and put its usr/bin on PATH."
fi
log "swift: $(swift --version 2>/dev/null | head -n1)"
