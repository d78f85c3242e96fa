#!/usr/bin/env bash
# Runs the whole test suite, including the integration tests against a real
# etcd and dockerd started just for this run.
#
#   scripts/test.sh [swift test args...]      e.g. scripts/test.sh --filter Integration
#
# Phases: install missing packages (deps), provide the engine sets
# (engines), build (debug, with tests), then for each engine set: start
# private test servers (scripts/test-servers.sh) in a fresh temp dir, build
# the agent image into that dockerd (scripts/build-image.sh), run the tests,
# stop the servers. The servers are always stopped on exit.
#
# Without arguments the tests run in two phases with the same environment:
#   tests            swift test --skip ExclusiveTests
#   exclusive-tests  swift test --filter ExclusiveTests
# The ExclusiveTests suite restarts the shared dockerd (test-servers.sh
# stop-docker/start-docker), needs it quiet for a minute (no other
# test's events) and reads an agent's pages while no other agent runs, so it
# must run alone, after everything else.
#   release-tests    swift test --skip ExclusiveTests, once, with the release
#                    build that the image ships as PRESENCE_BINARY
# All phases always run; the exit code is non-zero if any failed.
# With arguments, a single `swift test "$@"` runs (per engine set) instead.
#
# Engine sets (which dockerd, containerd and etcd the servers run; see
# scripts/test-servers.sh and scripts/fetch-engines.sh):
#   debian12  the system's packages: dockerd 20.10 (API 1.41), containerd
#             1.6, etcd 3.4. The default.
#   debian13  Debian 13's, fetched once into .build-engines/ (needs the
#             Debian archive the first time): dockerd 26.1 (API 1.45),
#             containerd 1.7, etcd 3.5, with Debian 12's runc
# Tests that start their own etcd run the set's etcd too
# (PRESENCE_TEST_ETCD_BINARY, from the servers' env file). The docker and
# etcdctl clients are the system's for every set. Each set's phases show up
# as SET:PHASE in the timings; every set runs even if an earlier one failed,
# and the exit code is non-zero if any set failed. .ci/run runs both.
#
# Next to another dockerd on the same machine (one per network namespace),
# run it in a private network namespace, with loopback only, so fetch the
# engine sets and build once outside first:
#   PRESENCE_TEST_ALLOW_OTHER_DOCKERD=1 scripts/in-netns.sh NAME bash scripts/test.sh
#
# Environment knobs:
#   PRESENCE_ENGINES="SET..."    engine sets to run against, in order, space-
#                                or comma-separated (default: debian12)
#   PRESENCE_SKIP_IMAGE=1        skip the (slow) image build; image-based tests
#                                then see no PRESENCE_TEST_AGENT_IMAGE and
#                                fail (tests never skip); for local loops
#   PRESENCE_TEST_ENV=DIR/env    reuse already running servers started with
#                                `scripts/test-servers.sh start DIR` instead of
#                                starting (and stopping) new ones; their engine
#                                set is the only one run
#   PRESENCE_TEST_LOG=FILE       where the test output is kept (default
#                                .build/test-output.log); sets other than
#                                debian12 write FILE without .log plus
#                                -SET.log, e.g. .build/test-output-debian13.log
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
# shellcheck disable=SC2317,SC2329 # invoked via trap
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

# --- engine sets -----------------------------------------------------------------
IFS=', ' read -r -a ENGINE_SETS <<<"${PRESENCE_ENGINES:-debian12}"
((${#ENGINE_SETS[@]} > 0)) || die "PRESENCE_ENGINES names no engine set"
for set in "${ENGINE_SETS[@]}"; do
    case $set in
        debian12 | debian13) ;;
        *) die "unknown engine set '$set' in PRESENCE_ENGINES: expected debian12 and/or debian13" ;;
    esac
done
if [[ -n ${PRESENCE_TEST_ENV:-} ]]; then
    [[ -f $PRESENCE_TEST_ENV ]] || die "PRESENCE_TEST_ENV=$PRESENCE_TEST_ENV: no such file"
    reused_set=$(
        # shellcheck disable=SC1090
        source "$PRESENCE_TEST_ENV"
        echo "${PRESENCE_TEST_ENGINES:-debian12}"
    )
    if [[ -n ${PRESENCE_ENGINES:-} && "${ENGINE_SETS[*]}" != "$reused_set" ]]; then
        die "PRESENCE_ENGINES=$PRESENCE_ENGINES, but the servers of PRESENCE_TEST_ENV run engine set $reused_set"
    fi
    ENGINE_SETS=("$reused_set")
fi
log "engine sets: ${ENGINE_SETS[*]}"

# --- 1. dependencies ---------------------------------------------------------
phase deps
bash "$SCRIPT_DIR/install-deps.sh"
if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
phase engines
for set in "${ENGINE_SETS[@]}"; do
    bash "$SCRIPT_DIR/fetch-engines.sh" "$set" >/dev/null
done

# --- 2. build ------------------------------------------------------------------
phase build
swift build --build-tests
PRESENCE_BINARY="$(swift build --show-bin-path)/presence"
[[ -x $PRESENCE_BINARY ]] || die "agent binary not found at $PRESENCE_BINARY"
export PRESENCE_BINARY

# For tests that restart dockerd: $PRESENCE_TEST_SERVERS_SCRIPT stop-docker
# $PRESENCE_TEST_DIR, then start-docker.
export PRESENCE_TEST_SERVERS_SCRIPT=$SCRIPT_DIR/test-servers.sh
# Everything swift test prints is also kept in PRESENCE_TEST_LOG, from which
# scripts/reliability-report.sh builds docs/RELIABILITY.md.
TEST_LOG_BASE=${PRESENCE_TEST_LOG:-$ROOT/.build/test-output.log}
WIDTH=${PRESENCE_TEST_WIDTH:-12}
[[ $WIDTH =~ ^[1-9][0-9]*$ ]] || die "PRESENCE_TEST_WIDTH must be a positive number, not '$WIDTH'"
# swift_test PHASE [swift test args...]: swift test, its output also appended to the log; its exit code. If it
# fails, the part of the log it wrote is remembered for the summary of failures at the end.
FAILED=()
FAILED_OUTPUT=()
swift_test() {
    local phase=$1 offset rc
    shift
    offset=$(stat -c %s "$PRESENCE_TEST_LOG")
    swift test --experimental-maximum-parallelization-width "$WIDTH" "$@" 2>&1 | tee -a "$PRESENCE_TEST_LOG"
    rc=${PIPESTATUS[0]}
    if ((rc != 0)); then
        FAILED+=("$phase")
        FAILED_OUTPUT+=("$phase $offset $PRESENCE_TEST_LOG")
    fi
    return "$rc"
}

# The issues that failed tests recorded, phase by phase, with the lines that continue each message: CI shows only
# the end of the output, and the failures are otherwise far above it.
summarise_failures() {
    local entry phase offset file
    for entry in "${FAILED_OUTPUT[@]}"; do
        read -r phase offset file <<<"$entry"
        log "--- $phase: what failed (from $file)"
        tail -c "+$((offset + 1))" "$file" | awk '
            /^✘ / { shown = 0; keep = ($0 ~ /recorded an issue/); if (!keep) next }
            /^(◇|✔|↳|reliability:|Test Suite|\[[0-9]+\/[0-9]+\]) / { keep = 0 }
            keep && shown < 20 { print substr($0, 1, 1500); shown++ }
        ' | head -n 150 >&2
    done
}

# run_set SET [swift test args...]: servers, image and tests for one engine
# set, then stops the servers. Dies if the servers cannot be started; test
# failures are recorded in FAILED.
run_set() {
    local set=$1 rc rc_shared rc_exclusive set_start=$SECONDS
    shift
    # --- 3. test servers -------------------------------------------------------
    phase "$set:servers"
    export PRESENCE_ENGINES=$set
    if [[ -n ${PRESENCE_TEST_ENV:-} ]]; then
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
    log "$set: dockerd $(docker -H "$PRESENCE_TEST_DOCKER_HOST" version -f '{{.Server.Version}} (API {{.Server.APIVersion}})'), etcd $(curl -fsS --max-time 5 "$PRESENCE_TEST_ETCD/version")"

    # --- 4. agent image --------------------------------------------------------
    if [[ ${PRESENCE_SKIP_IMAGE:-0} == 1 ]]; then
        log "PRESENCE_SKIP_IMAGE=1: not building the agent image"
        unset PRESENCE_TEST_AGENT_IMAGE
    else
        phase "$set:image"
        bash "$SCRIPT_DIR/build-image.sh" --docker-host "$PRESENCE_TEST_DOCKER_HOST"
        export PRESENCE_TEST_AGENT_IMAGE=etcd-container-presence:latest
    fi

    # --- 5. tests --------------------------------------------------------------
    phase "$set:tests"
    if [[ $set == debian12 ]]; then
        PRESENCE_TEST_LOG=$TEST_LOG_BASE
    else
        PRESENCE_TEST_LOG=${TEST_LOG_BASE%.log}-$set.log
    fi
    mkdir -p "$(dirname "$PRESENCE_TEST_LOG")"
    : >"$PRESENCE_TEST_LOG"
    log "PRESENCE_ENGINES=$PRESENCE_ENGINES"
    log "PRESENCE_TEST_ETCD=$PRESENCE_TEST_ETCD"
    log "PRESENCE_TEST_ETCD_BINARY=${PRESENCE_TEST_ETCD_BINARY:-(not set: etcd from PATH)}"
    log "PRESENCE_TEST_DOCKER_HOST=$PRESENCE_TEST_DOCKER_HOST"
    log "PRESENCE_TEST_IMAGE=$PRESENCE_TEST_IMAGE"
    log "PRESENCE_TEST_AGENT_IMAGE=${PRESENCE_TEST_AGENT_IMAGE:-(not set)}"
    log "PRESENCE_BINARY=$PRESENCE_BINARY"
    log "PRESENCE_TEST_SERVERS_SCRIPT=$PRESENCE_TEST_SERVERS_SCRIPT"
    log "PRESENCE_TEST_LOG=$PRESENCE_TEST_LOG"
    log "tests run $WIDTH at a time (PRESENCE_TEST_WIDTH)"

    if (($# > 0)); then
        set +e
        swift_test "$set:tests" "$@"
        rc=$?
        set -e
        log "$set: swift test $*: exit $rc in $((SECONDS - PHASE_START))s"
    else
        set +e
        swift_test "$set:tests" --skip ExclusiveTests
        rc_shared=$?
        set -e
        log "$set: tests (all but ExclusiveTests): exit $rc_shared in $((SECONDS - PHASE_START))s"

        phase "$set:exclusive-tests"
        set +e
        swift_test "$set:exclusive-tests" --filter ExclusiveTests
        rc_exclusive=$?
        set -e
        log "$set: exclusive-tests (ExclusiveTests, which restart dockerd or need it quiet and alone): exit $rc_exclusive in $((SECONDS - PHASE_START))s"

        # The agent as the image ships it: the release build is optimised for size, folds identical functions
        # and has no unwind tables (scripts/release-build.sh), so the tests that run agents run it too, once.
        if [[ $set == "${ENGINE_SETS[0]}" && ${PRESENCE_SKIP_IMAGE:-0} != 1 ]]; then
            phase "$set:release-tests"
            local debug_binary=$PRESENCE_BINARY rc_release
            PRESENCE_BINARY=$(RELEASE_SCRATCH=$ROOT/.build-release && source "$SCRIPT_DIR/release-build.sh" && release_binary)
            log "PRESENCE_BINARY=$PRESENCE_BINARY"
            set +e
            swift_test "$set:release-tests" --skip ExclusiveTests
            rc_release=$?
            set -e
            PRESENCE_BINARY=$debug_binary
            log "$set: release-tests (all but ExclusiveTests, with the release build): exit $rc_release in $((SECONDS - PHASE_START))s"
        fi
    fi

    if [[ -n $SERVERS_DIR ]]; then
        phase "$set:stop-servers"
        bash "$SCRIPT_DIR/test-servers.sh" stop "$SERVERS_DIR"
        SERVERS_DIR=""
    fi
    end_phase
    log "$set: done in $((SECONDS - set_start))s"
}

for set in "${ENGINE_SETS[@]}"; do
    run_set "$set" "$@"
done

if ((${#FAILED[@]} > 0)); then
    summarise_failures
    log "failed phases: ${FAILED[*]}"
    exit 1
fi
exit 0
