#!/usr/bin/env bash
# End-to-end benchmark of the agent against a real dockerd and etcd; writes docs/BENCHMARKS.md.
#
#   scripts/benchmark.sh
#
# Phases: check the tools, start etcd + dockerd with scripts/test-servers.sh (or reuse running ones),
# build the agent in release mode, run scripts/benchmark.py (every measurement; it starts a private etcd of
# its own so that nobody else's requests are counted), stop what was started.
#
# Environment knobs:
#   PRESENCE_TEST_ENV=DIR/env    reuse servers started with `scripts/test-servers.sh start DIR` (their dockerd;
#                                the measurements still go to a private etcd) instead of starting new ones
#   PRESENCE_BENCH_SCALE=quick   smaller samples, for trying the script (default: full)
#   PRESENCE_BENCH_OUTPUT=PATH   where the report goes (default: docs/BENCHMARKS.md)
#   PRESENCE_BENCH_BUDGET=SECS   time the measurements may take (default: 900)
#
# Everything it makes is removed on exit, also on Ctrl-C: containers (label presence-bench.run=<run id>),
# the agents and the private etcd it started (by pid), its temporary directory, and the servers if it
# started them.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

log() { printf '[benchmark] %s\n' "$*" >&2; }
die() { printf '[benchmark] ERROR: %s\n' "$*" >&2; exit 1; }

SCALE=${PRESENCE_BENCH_SCALE:-full}
OUTPUT=${PRESENCE_BENCH_OUTPUT:-$ROOT/docs/BENCHMARKS.md}
BUDGET=${PRESENCE_BENCH_BUDGET:-900}
[[ $SCALE == full || $SCALE == quick ]] || die "PRESENCE_BENCH_SCALE must be full or quick, not '$SCALE'"
[[ $BUDGET =~ ^[0-9]+$ ]] || die "PRESENCE_BENCH_BUDGET must be a number of seconds, not '$BUDGET'"

T_START=$SECONDS
RUN_ID=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
RUN_DIR=""
SERVERS_DIR=""
PY_PID=""
DOCKER_HOST_URL=""

# --- cleanup -----------------------------------------------------------------------------------------------

# True if PID is alive and its command line mentions this run (not a recycled pid).
ours() {
    local pid=$1
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -e "$RUN_ID" -e "$RUN_DIR"
}

# shellcheck disable=SC2317 # invoked via trap
cleanup() {
    local rc=$? pid i ids
    trap - EXIT INT TERM
    # 1. benchmark.py cleans up after itself on SIGTERM: give it the time to.
    if [[ -n $PY_PID ]] && kill -0 "$PY_PID" 2>/dev/null; then
        log "stopping benchmark.py (pid $PY_PID)"
        kill -TERM "$PY_PID" 2>/dev/null || true
        for ((i = 0; i < 900; i++)); do
            kill -0 "$PY_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$PY_PID" 2>/dev/null || true
    fi
    # 2. Whatever it started and left behind (it was killed, or failed to stop something).
    if [[ -n $RUN_DIR && -f $RUN_DIR/pids ]]; then
        while read -r pid; do
            if ours "$pid"; then
                log "killing leftover process $pid"
                kill -TERM "$pid" 2>/dev/null || true
                for ((i = 0; i < 50; i++)); do
                    kill -0 "$pid" 2>/dev/null || break
                    sleep 0.1
                done
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done <"$RUN_DIR/pids"
    fi
    if [[ -n $DOCKER_HOST_URL ]] && timeout 10 docker -H "$DOCKER_HOST_URL" version >/dev/null 2>&1; then
        ids=$(timeout 30 docker -H "$DOCKER_HOST_URL" ps -aq --filter "label=presence-bench.run=$RUN_ID" || true)
        if [[ -n $ids ]]; then
            log "removing $(wc -w <<<"$ids") leftover container(s)"
            # shellcheck disable=SC2086 # one id per word
            timeout 120 docker -H "$DOCKER_HOST_URL" rm -f $ids >/dev/null 2>&1 ||
                log "WARNING: could not remove containers labelled presence-bench.run=$RUN_ID"
        fi
    fi
    [[ -z $RUN_DIR ]] || rm -rf -- "$RUN_DIR"
    # 3. The servers, if this run started them.
    if [[ -n $SERVERS_DIR ]]; then
        bash "$SCRIPT_DIR/test-servers.sh" stop "$SERVERS_DIR" || log "WARNING: stopping servers in $SERVERS_DIR failed"
    fi
    log "total $((SECONDS - T_START))s"
    if ((rc == 0)); then log "done"; else log "FAILED (exit $rc)"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. tools ----------------------------------------------------------------------------------------------

# A new machine gets etcd, Docker and the rest from Debian first (a no-op when they are there).
bash "$SCRIPT_DIR/install-deps.sh"

if ! command -v swift >/dev/null && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
missing=()
for tool in swift python3 etcd docker od; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
((${#missing[@]} == 0)) || die "missing: ${missing[*]} (scripts/install-deps.sh installs etcd and docker; python3 is Debian's python3)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 8))' || die "python3 is older than 3.8"
[[ -d $(dirname "$OUTPUT") ]] || die "the output directory $(dirname "$OUTPUT") does not exist"

RUN_DIR=$(mktemp -d /tmp/presence-bench.XXXXXX)

# --- 2. servers --------------------------------------------------------------------------------------------

if [[ -n ${PRESENCE_TEST_ENV:-} ]]; then
    [[ -f $PRESENCE_TEST_ENV ]] || die "PRESENCE_TEST_ENV=$PRESENCE_TEST_ENV: no such file"
    # shellcheck disable=SC1090
    source "$PRESENCE_TEST_ENV"
    SERVERS_NOTE=$PRESENCE_TEST_ENV
    log "reusing the servers of $PRESENCE_TEST_ENV"
else
    SERVERS_DIR=$(mktemp -d /tmp/pb-srv.XXXXXX)
    log "starting etcd and dockerd in $SERVERS_DIR (scripts/test-servers.sh)"
    bash "$SCRIPT_DIR/test-servers.sh" start "$SERVERS_DIR" || {
        rmdir "$SERVERS_DIR" 2>/dev/null && SERVERS_DIR=""
        die "could not start the servers (see above); to reuse running ones set PRESENCE_TEST_ENV=DIR/env"
    }
    # shellcheck disable=SC1091
    source "$SERVERS_DIR/env"
    SERVERS_NOTE=""
fi
: "${PRESENCE_TEST_DOCKER_HOST:?not set by the servers env file}"
DOCKER_HOST_URL=$PRESENCE_TEST_DOCKER_HOST
IMAGE=${PRESENCE_TEST_IMAGE:-presence-test:latest}
timeout 20 docker -H "$DOCKER_HOST_URL" version >/dev/null 2>&1 || die "dockerd does not answer at $DOCKER_HOST_URL"
timeout 20 docker -H "$DOCKER_HOST_URL" image inspect "$IMAGE" >/dev/null 2>&1 ||
    die "the image $IMAGE is missing from $DOCKER_HOST_URL (scripts/test-servers.sh start builds it)"

# --- 3. release build --------------------------------------------------------------------------------------

t=$SECONDS
log "swift build -c release --product presence (the first time takes several minutes)"
swift build -c release --product presence >"$RUN_DIR/build.log" 2>&1 || {
    tail -n 40 "$RUN_DIR/build.log" >&2
    die "the release build failed"
}
BIN="$(swift build -c release --product presence --show-bin-path)/presence"
[[ -x $BIN ]] || die "the build succeeded but $BIN is missing"
BUILD_SECONDS=$((SECONDS - t))
log "built $BIN in ${BUILD_SECONDS}s"

# --- 4. measurements ---------------------------------------------------------------------------------------

log "run $RUN_ID: measuring (scale $SCALE, at most ${BUDGET}s plus cleanup)"
python3 "$SCRIPT_DIR/benchmark.py" \
    --agent "$BIN" \
    --docker-host "$DOCKER_HOST_URL" \
    --image "$IMAGE" \
    --run-dir "$RUN_DIR" \
    --run-id "$RUN_ID" \
    --output "$OUTPUT" \
    --servers "$SERVERS_NOTE" \
    --scale "$SCALE" \
    --budget "$BUDGET" \
    --build-seconds "$BUILD_SECONDS" &
PY_PID=$!
# `wait` returns early when a trapped signal arrives, so Ctrl-C reaches cleanup at once.
rc=0
wait "$PY_PID" || rc=$?
PY_PID=""
((rc == 0)) || die "benchmark.py failed (exit $rc)"
log "report: $OUTPUT"
