#!/usr/bin/env bash
# See the agent work, on a fresh machine, in about a minute (plus the first
# build):
#
#   scripts/demo.sh
#
# It starts a private etcd and dockerd in a temp dir (never touching a system
# Docker), runs a container `web` publishing three ports, starts the agent
# for it, shows the keys in etcd, stops the container, shows the keys are
# gone, and cleans everything up, also on Ctrl-C or failure.
#
# Environment knobs:
#   PRESENCE_BINARY=path       use this agent binary instead of building one
#   PRESENCE_TEST_ENV=DIR/env  reuse servers from `scripts/test-servers.sh
#                              start DIR` (left running afterwards)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

CONTAINER=web
PREFIX=/containers

say() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

SERVERS_DIR=""
AGENT_PID=""
WORK=$(mktemp -d /tmp/presence-demo-work.XXXX)

# shellcheck disable=SC2317 # invoked via trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if ((rc == 130 || rc == 143)); then printf '\nInterrupted; cleaning up.\n' >&2; fi
    if [[ -n $AGENT_PID ]] && kill -0 "$AGENT_PID" 2>/dev/null; then
        kill -TERM "$AGENT_PID" 2>/dev/null || true
        wait "$AGENT_PID" 2>/dev/null || true
    fi
    if [[ -n ${DOCKER_HOST_URL:-} ]]; then
        docker -H "$DOCKER_HOST_URL" rm -f "$CONTAINER" >/dev/null 2>&1 || true
    fi
    if [[ -n $SERVERS_DIR ]]; then
        bash "$SCRIPT_DIR/test-servers.sh" stop "$SERVERS_DIR" >"$WORK/stop.log" 2>&1 ||
            { cat "$WORK/stop.log" >&2; rc=1; }
    fi
    if ((rc != 0)) && [[ -s $WORK/agent.log ]]; then
        printf '\nAgent log (last lines):\n' >&2
        tail -n 20 "$WORK/agent.log" | sed 's/^/    /' >&2
    fi
    rm -rf "$WORK"
    if ((rc == 0)); then say "Done; everything cleaned up."; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites and the agent binary ----------------------------------------
say "Checking dependencies"
bash "$SCRIPT_DIR/install-deps.sh" 2>&1 | sed 's/^/    /'
if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

if [[ -n ${PRESENCE_BINARY:-} ]]; then
    BIN=$PRESENCE_BINARY
    [[ -x $BIN ]] || die "PRESENCE_BINARY=$BIN is not an executable"
else
    # Same flags and scratch path as scripts/build-image.sh, so the two share
    # one release build.
    say "Building the agent (release; the first build takes several minutes)"
    build=(swift build -c release --static-swift-stdlib --product presence --scratch-path "$ROOT/.build-release")
    if ! "${build[@]}" >"$WORK/build.log" 2>&1; then
        tail -n 30 "$WORK/build.log" >&2
        die "swift build failed (full log above)"
    fi
    BIN="$("${build[@]}" --show-bin-path)/presence"
fi
note "agent: $BIN"

# --- servers ----------------------------------------------------------------------
if [[ -n ${PRESENCE_TEST_ENV:-} ]]; then
    say "Reusing servers from $PRESENCE_TEST_ENV"
    # shellcheck disable=SC1090
    source "$PRESENCE_TEST_ENV"
else
    say "Starting a private etcd and dockerd"
    SERVERS_DIR=$(mktemp -d /tmp/presence-demo.XXXX)
    if ! bash "$SCRIPT_DIR/test-servers.sh" start "$SERVERS_DIR" >"$WORK/servers.log" 2>&1; then
        sed 's/^/    /' "$WORK/servers.log" >&2
        SERVERS_DIR="" # start cleans up after itself on failure
        die "could not start the servers"
    fi
    # shellcheck disable=SC1091
    source "$SERVERS_DIR/env"
fi
ETCD=$PRESENCE_TEST_ETCD
DOCKER_HOST_URL=$PRESENCE_TEST_DOCKER_HOST
note "etcd:    $ETCD"
note "dockerd: $DOCKER_HOST_URL"

dk() { docker -H "$DOCKER_HOST_URL" "$@"; }
etcdctl3() { ETCDCTL_API=3 etcdctl --endpoints "$ETCD" "$@"; }
etcdctl2() { ETCDCTL_API=2 etcdctl --endpoints "$ETCD" "$@"; }

# Keys under PREFIX, one per line. The agent writes through etcd's v3 API by
# default (--etcd-api v2 is also possible), so look in both keyspaces.
list_keys() {
    local keys
    keys=$(etcdctl3 get --prefix "$PREFIX" --keys-only 2>/dev/null | sed '/^$/d' || true)
    if [[ -n $keys ]]; then
        echo "$keys"
    else
        etcdctl2 ls --recursive -p "$PREFIX" 2>/dev/null | grep -v '/$' || true
    fi
}
value_of() {
    local v
    v=$(etcdctl3 get --print-value-only "$1" 2>/dev/null || true)
    [[ -n $v ]] || v=$(etcdctl2 get "$1" 2>/dev/null || true)
    printf '%s' "$v"
}
show_keys() {
    local keys k
    keys=$(list_keys)
    if [[ -z $keys ]]; then
        note "(no keys under $PREFIX)"
        return
    fi
    while read -r k; do
        note "$k = $(value_of "$k")"
    done <<<"$keys"
}
agent_alive() { kill -0 "$AGENT_PID" 2>/dev/null; }

# --- the demo ---------------------------------------------------------------------
say "Running container '$CONTAINER' with -p 8080:80 -p 127.0.0.1:9090:9000 -p 5353:53/udp"
dk rm -f "$CONTAINER" >/dev/null 2>&1 || true
dk run -d --name "$CONTAINER" -p 8080:80 -p 127.0.0.1:9090:9000 -p 5353:53/udp \
    "$PRESENCE_TEST_IMAGE" >/dev/null ||
    die "docker run failed (are host ports 8080, 9090 or 5353/udp already in use?)"

say "Starting the agent"
METRICS=127.0.0.1:${PRESENCE_DEMO_METRICS_PORT:-29181}
agent=("$BIN" --container "$CONTAINER" --etcd-endpoints "$ETCD" --docker-host "$DOCKER_HOST_URL" --ttl 10 --interval 2
    --format keys --format skydns --domain containers.example.org --metrics-address "$METRICS")
note "${agent[*]}"
"${agent[@]}" </dev/null >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!

# Wait (up to 20 s) until the agent has registered something.
for ((i = 0; i < 40; i++)); do
    agent_alive || die "the agent exited early"
    [[ -n $(list_keys) ]] && break
    sleep 0.5
done
[[ -n $(list_keys) ]] || die "no keys appeared under $PREFIX within 20 s"
sleep 1 # let a registration in progress finish, so the listing is complete

say "Keys in etcd while '$CONTAINER' runs"
show_keys
note "(ports bound to 0.0.0.0 are advertised at the Docker bridge gateway; see --host-ip)"

say "The same, as 'presence list' prints it (and the CoreDNS records of --format skydns)"
"$BIN" list --etcd-endpoints "$ETCD" 2>&1 | sed 's/^/    /'
"$BIN" list --etcd-endpoints "$ETCD" --format skydns --domain containers.example.org 2>&1 | sed 's/^/    /'

say "What the agent reports on http://$METRICS/metrics and /readyz"
curl -fsS "http://$METRICS/metrics" | grep -E '^presence_(containers_registered|keys_held|registrations_total) ' |
    sed 's/^/    /' || die "no metrics on $METRICS"
note "readyz: $(curl -sS "http://$METRICS/readyz")"

say "Stopping '$CONTAINER'"
# -t 1: the test container's process (busybox sleep as pid 1) ignores
# SIGTERM, so docker would otherwise wait its full 10 s before SIGKILL.
dk stop -t 1 "$CONTAINER" >/dev/null
sleep 3
# Give the agent a little longer if it is not done yet (it checks every 2 s;
# the TTL of 10 s is the backstop).
for ((i = 0; i < 20; i++)); do
    [[ -z $(list_keys) ]] && break
    sleep 0.5
done
say "Keys in etcd after the stop"
show_keys
[[ -z $(list_keys) ]] || die "keys are still registered after the container stopped"

say "Stopping the agent (SIGTERM)"
kill -TERM "$AGENT_PID"
rc=0
wait "$AGENT_PID" || rc=$?
AGENT_PID=""
note "agent exited with status $rc"
