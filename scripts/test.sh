#!/usr/bin/env bash
# Runs the whole test suite, including the integration tests against a real
# etcd and dockerd started just for this run.
#
#   scripts/test.sh [swift test args...]      e.g. scripts/test.sh --filter Integration
#
# Phases: install missing packages, build (debug, with tests), start private
# test servers (scripts/test-servers.sh) in a fresh temp dir, build the agent
# image into that dockerd (scripts/build-image.sh), run the tests. The servers
# are always stopped on exit.
#
# Without arguments the tests run in two phases with the same environment:
#   tests            swift test --skip ExclusiveTests
#   exclusive-tests  swift test --filter ExclusiveTests
# The ExclusiveTests suite restarts the shared dockerd (test-servers.sh
# stop-docker/start-docker), so it must run alone, after everything else.
# Both phases always run; the exit code is non-zero if either failed.
# With arguments, a single `swift test "$@"` runs and its exit code is ours.
#
# Environment knobs:
#   PRESENCE_SKIP_IMAGE=1        skip the (slow) image build; image-based tests
#                                then see no PRESENCE_TEST_AGENT_IMAGE and
#                                fail (tests never skip); for local loops
#   PRESENCE_TEST_ENV=DIR/env    reuse already running servers started with
#                                `scripts/test-servers.sh start DIR` instead of
#                                starting (and stopping) new ones
#   PRESENCE_TEST_WIDTH=N        how many tests run at once (default 12): each
#                                integration test runs real agents, containers
#                                and servers, and on 2 cores an unbounded run
#                                slows all of them past their patience
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

log() { printf '[test] %s\n' "$*" >&2; }
die() { printf '[test] ERROR: %s\n' "$*" >&2; exit 1; }

# --- phase timing ------------------------------------------------------------
T_START=$SECONDS
TIMINGS=()
PHASE=""
PHASE_START=0
phase() { # phase NAME: ends the current phase (if any) and starts NAME
    end_phase
    PHASE=$1
    PHASE_START=$SECONDS
    log "=== $PHASE"
}
end_phase() {
    if [[ -n $PHASE ]]; then
        TIMINGS+=("$PHASE $((SECONDS - PHASE_START))s")
        PHASE=""
    fi
}

# --- cleanup -----------------------------------------------------------------
SERVERS_DIR=""
# shellcheck disable=SC2317 # invoked via trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    end_phase
    if [[ -n $SERVERS_DIR ]]; then
        local t=$SECONDS
        bash "$SCRIPT_DIR/test-servers.sh" stop "$SERVERS_DIR" ||
            log "WARNING: stopping test servers in $SERVERS_DIR failed"
        TIMINGS+=("stop-servers $((SECONDS - t))s")
    fi
    local joined=""
    ((${#TIMINGS[@]} == 0)) || printf -v joined '%s, ' "${TIMINGS[@]}"
    log "timings: ${joined}total $((SECONDS - T_START))s"
    if ((rc == 0)); then log "PASSED"; else log "FAILED (exit $rc)"; fi
    exit "$rc"
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap stops the servers.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. dependencies ---------------------------------------------------------
phase deps
bash "$SCRIPT_DIR/install-deps.sh"
if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

# --- 2. build ------------------------------------------------------------------
phase build
swift build --build-tests
PRESENCE_BINARY="$(swift build --show-bin-path)/presence"
[[ -x $PRESENCE_BINARY ]] || die "agent binary not found at $PRESENCE_BINARY"
export PRESENCE_BINARY

# --- 3. test servers -----------------------------------------------------------
phase servers
if [[ -n ${PRESENCE_TEST_ENV:-} ]]; then
    [[ -f $PRESENCE_TEST_ENV ]] || die "PRESENCE_TEST_ENV=$PRESENCE_TEST_ENV: no such file"
    log "reusing servers from $PRESENCE_TEST_ENV (they are left running)"
    # shellcheck disable=SC1090
    source "$PRESENCE_TEST_ENV"
else
    # Short path: unix sockets live under it.
    SERVERS_DIR=$(mktemp -d /tmp/presence-test.XXXX)
    bash "$SCRIPT_DIR/test-servers.sh" start "$SERVERS_DIR"
    # shellcheck disable=SC1091
    source "$SERVERS_DIR/env"
fi
curl -fsS --max-time 5 "$PRESENCE_TEST_ETCD/health" >/dev/null ||
    die "etcd at $PRESENCE_TEST_ETCD is not answering"
docker -H "$PRESENCE_TEST_DOCKER_HOST" version >/dev/null 2>&1 ||
    die "dockerd at $PRESENCE_TEST_DOCKER_HOST is not answering"

# --- 4. agent image ------------------------------------------------------------
if [[ ${PRESENCE_SKIP_IMAGE:-0} == 1 ]]; then
    log "PRESENCE_SKIP_IMAGE=1: not building the agent image"
    unset PRESENCE_TEST_AGENT_IMAGE
else
    phase image
    bash "$SCRIPT_DIR/build-image.sh" --docker-host "$PRESENCE_TEST_DOCKER_HOST"
    export PRESENCE_TEST_AGENT_IMAGE=etcd-container-presence:latest
fi

# --- 5. tests ------------------------------------------------------------------
phase tests
log "PRESENCE_TEST_ETCD=$PRESENCE_TEST_ETCD"
log "PRESENCE_TEST_DOCKER_HOST=$PRESENCE_TEST_DOCKER_HOST"
log "PRESENCE_TEST_IMAGE=$PRESENCE_TEST_IMAGE"
log "PRESENCE_TEST_AGENT_IMAGE=${PRESENCE_TEST_AGENT_IMAGE:-(not set)}"
log "PRESENCE_BINARY=$PRESENCE_BINARY"
# For tests that restart dockerd: $PRESENCE_TEST_SERVERS_SCRIPT stop-docker
# $PRESENCE_TEST_DIR, then start-docker.
export PRESENCE_TEST_SERVERS_SCRIPT=$SCRIPT_DIR/test-servers.sh
log "PRESENCE_TEST_SERVERS_SCRIPT=$PRESENCE_TEST_SERVERS_SCRIPT"
# Everything swift test prints is also kept in PRESENCE_TEST_LOG, from which
# scripts/reliability-report.sh builds docs/RELIABILITY.md.
PRESENCE_TEST_LOG=${PRESENCE_TEST_LOG:-$ROOT/.build/test-output.log}
mkdir -p "$(dirname "$PRESENCE_TEST_LOG")"
: >"$PRESENCE_TEST_LOG"
log "PRESENCE_TEST_LOG=$PRESENCE_TEST_LOG"
WIDTH=${PRESENCE_TEST_WIDTH:-12}
[[ $WIDTH =~ ^[1-9][0-9]*$ ]] || die "PRESENCE_TEST_WIDTH must be a positive number, not '$WIDTH'"
log "tests run $WIDTH at a time (PRESENCE_TEST_WIDTH)"
swift_test() { # swift test, its output also appended to the log; its exit code
    swift test --experimental-maximum-parallelization-width "$WIDTH" "$@" 2>&1 | tee -a "$PRESENCE_TEST_LOG"
    return "${PIPESTATUS[0]}"
}

if (($# > 0)); then
    set +e
    swift_test "$@"
    rc=$?
    set -e
    exit "$rc"
fi

set +e
swift_test --skip ExclusiveTests
rc_shared=$?
set -e
log "tests (all but ExclusiveTests): exit $rc_shared in $((SECONDS - PHASE_START))s"

phase exclusive-tests
set +e
swift_test --filter ExclusiveTests
rc_exclusive=$?
set -e
log "exclusive-tests (ExclusiveTests, which restart dockerd): exit $rc_exclusive in $((SECONDS - PHASE_START))s"

if ((rc_shared != 0 || rc_exclusive != 0)); then
    log "failed phases:$( ((rc_shared == 0)) || printf ' tests'; ((rc_exclusive == 0)) || printf ' exclusive-tests')"
    exit 1
fi
exit 0
