#!/usr/bin/env bash
# Runs a command in a private network namespace, such as a whole test run
# with its own dockerd next to another dockerd on the same machine:
#
#   PRESENCE_TEST_ALLOW_OTHER_DOCKERD=1 scripts/in-netns.sh NAME bash scripts/test.sh
#
# Creates network namespace NAME (`ip netns add`, loopback up) unless it
# exists, runs the command in it, deletes it afterwards if it created it,
# and exits with the command's status.
#
# Why not just `ip netns exec NAME ...`: that also gives the command a mount
# namespace with /sys mounted afresh for the new network namespace (so that
# /sys/class/net shows its interfaces), and that fresh /sys lacks everything
# mounted below the old one, among it the cgroup hierarchies under
# /sys/fs/cgroup. dockerd then refuses to start ("Devices cgroup isn't
# mounted"). Here the command gets the same fresh /sys, with every mount that
# was below the old /sys (the cgroup hierarchies, ...) bound into it again.
# Mounts made inside do not propagate to the rest of the machine.
#
# The namespace has nothing but loopback: the command reaches no network.
# Fetch what it needs first (scripts/fetch-engines.sh, a first swift build).
# dockerd, containers and published ports all stay inside the namespace.
#
# Needs root, ip (iproute2), nsenter and unshare (util-linux).
set -euo pipefail

log() { printf '[in-netns] %s\n' "$*" >&2; }
die() { printf '[in-netns] ERROR: %s\n' "$*" >&2; exit 1; }

(($# >= 2)) || { echo "usage: $0 NAME COMMAND [ARGS...]" >&2; exit 2; }
NAME=$1
shift
[[ $NAME =~ ^[A-Za-z0-9_.-]+$ ]] || die "invalid namespace name '$NAME'"
[[ $(id -u) -eq 0 ]] || die "needs root"
for tool in ip nsenter unshare mount; do
    command -v "$tool" >/dev/null || die "$tool not found (install iproute2 / util-linux)"
done

created=0
# shellcheck disable=SC2317,SC2329 # invoked via trap
cleanup() {
    local rc=$? pids
    trap - EXIT INT TERM
    if ((created)); then
        pids=$(ip netns pids "$NAME" 2>/dev/null | tr '\n' ' ' || true)
        [[ -z ${pids// /} ]] ||
            log "WARNING: processes still in network namespace $NAME: $pids(it lives on until they exit)"
        ip netns del "$NAME" || log "WARNING: ip netns del $NAME failed"
        log "deleted network namespace $NAME"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ip netns list | awk '{ print $1 }' | grep -qxF "$NAME"; then
    log "using existing network namespace $NAME (it is left in place)"
else
    ip netns add "$NAME"
    created=1
    log "created network namespace $NAME"
fi
ip netns exec "$NAME" ip link set lo up

# Runs inside: new mount namespace (slave, so nothing propagates out), in
# network namespace NAME. Keeps the mounts below /sys (the top-most ones;
# --rbind takes those below them along), mounts a sysfs for this network
# namespace over /sys, and binds the kept mounts back into it.
# shellcheck disable=SC2016 # expanded by the inner bash
INNER='
set -euo pipefail
keep=$(mktemp -d /tmp/in-netns.XXXXXX)
mapfile -t tops < <(awk '"'"'$5 ~ "^/sys/" { print $5 }'"'"' /proc/self/mountinfo | sort -u |
    awk '"'"'{ for (t in top) if (index($0, t "/") == 1) next; top[$0] = 1; print }'"'"')
for i in "${!tops[@]}"; do
    mkdir -p "$keep/$i"
    mount --rbind "${tops[$i]}" "$keep/$i"
done
mount -t sysfs sysfs /sys
for i in "${!tops[@]}"; do
    if [[ -d ${tops[$i]} ]]; then
        mount --rbind "$keep/$i" "${tops[$i]}"
    else
        echo "[in-netns] WARNING: ${tops[$i]} does not exist in the new /sys; not kept" >&2
    fi
    umount -l "$keep/$i"
done
rmdir "$keep"/* "$keep" 2>/dev/null || rmdir "$keep" # rmdir: never recurse into a mount
exec "$@"
'
log "running in network namespace $NAME: $*"
set +e
nsenter --net="/run/netns/$NAME" unshare --mount --propagation slave bash -c "$INNER" in-netns "$@"
rc=$?
set -e
log "exit $rc"
exit "$rc"
