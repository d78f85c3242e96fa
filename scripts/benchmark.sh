#!/usr/bin/env bash
# End-to-end benchmark of the agent against a real dockerd and etcd; writes docs/BENCHMARKS.md.
#
#   scripts/benchmark.sh
#   scripts/benchmark.sh fleet      (or PRESENCE_BENCH_FLEET=1) the fleet simulation instead, on request only and
#                                   never in CI: 200 real agents, each against its own simulated Docker host of 50
#                                   containers (presence-benchmark fleet), on a 3-member etcd cluster on loopback;
#                                   needs no dockerd; writes .build/fleet-report.md (docs/SCALE.md quotes it)
#
# Phases: check the tools, start etcd + dockerd with scripts/test-servers.sh (or reuse running ones),
# build the agent and the benchmark (presence-benchmark, Benchmarks/EndToEnd) in release mode, run the
# benchmark (every measurement; it starts a private etcd of its own so that nobody else's requests are
# counted), stop what was started.
#
# Environment knobs:
#   PRESENCE_TEST_ENV=DIR/env    reuse servers started with `scripts/test-servers.sh start DIR` (their dockerd;
#                                the measurements still go to a private etcd) instead of starting new ones
#   PRESENCE_BENCH_SCALE=quick   smaller samples, for trying the script (default: full)
#   PRESENCE_BENCH_OUTPUT=PATH   where the report goes (default: docs/BENCHMARKS.md)
#   PRESENCE_BENCH_BUDGET=SECS   time the measurements may take (default: 900; fleet: 840)
#   PRESENCE_BENCH_FLEET=1       the fleet simulation, as `scripts/benchmark.sh fleet`
#   PRESENCE_BENCH_FLEET_AGENTS=N, PRESENCE_BENCH_FLEET_CONTAINERS=M
#                                the fleet's size (default: 200 agents × 50 containers)
#
# Everything it makes is removed on exit, also on Ctrl-C: containers (label presence-bench.run=<run id>),
# the agents and the private etcd it started (their command lines name the run id or its directory), its
# temporary directory, and the servers if it started them.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
cd "$ROOT"

log() { printf '[benchmark] %s\n' "$*" >&2; }
die() { printf '[benchmark] ERROR: %s\n' "$*" >&2; exit 1; }

FLEET=${PRESENCE_BENCH_FLEET:-0}
if [[ ${1:-} == fleet ]]; then FLEET=1; shift; fi
(($# == 0)) || die "unknown argument '$1' (the only one is 'fleet')"
[[ $FLEET == 0 || $FLEET == 1 ]] || die "PRESENCE_BENCH_FLEET must be 0 or 1, not '$FLEET'"
SCALE=${PRESENCE_BENCH_SCALE:-full}
if ((FLEET)); then
    OUTPUT=${PRESENCE_BENCH_OUTPUT:-$ROOT/.build/fleet-report.md}
    BUDGET=${PRESENCE_BENCH_BUDGET:-840}
    FLEET_AGENTS=${PRESENCE_BENCH_FLEET_AGENTS:-200}
    FLEET_CONTAINERS=${PRESENCE_BENCH_FLEET_CONTAINERS:-50}
    [[ $FLEET_AGENTS =~ ^[0-9]+$ && $FLEET_CONTAINERS =~ ^[0-9]+$ ]] ||
        die "PRESENCE_BENCH_FLEET_AGENTS and PRESENCE_BENCH_FLEET_CONTAINERS must be numbers"
else
    OUTPUT=${PRESENCE_BENCH_OUTPUT:-$ROOT/docs/BENCHMARKS.md}
    BUDGET=${PRESENCE_BENCH_BUDGET:-900}
fi
[[ $SCALE == full || $SCALE == quick ]] || die "PRESENCE_BENCH_SCALE must be full or quick, not '$SCALE'"
[[ $BUDGET =~ ^[0-9]+$ ]] || die "PRESENCE_BENCH_BUDGET must be a number of seconds, not '$BUDGET'"

T_START=$SECONDS
RUN_ID=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
RUN_DIR=""
SERVERS_DIR=""
BENCH_PID=""
DOCKER_HOST_URL=""

# --- cleanup -----------------------------------------------------------------------------------------------

# The processes still alive whose command line names this run: the agents (their --prefix holds the run id)
# and the private etcd (its data directory is in RUN_DIR).
leftover_pids() {
    local dir pid cmdline
    for dir in /proc/[0-9]*; do
        pid=${dir#/proc/}
        [[ $pid != "$$" && $pid != "$BASHPID" ]] || continue
        cmdline=$({ tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null) || continue
        if [[ $cmdline == *"$RUN_ID"* || (-n $RUN_DIR && $cmdline == *"$RUN_DIR"*) ]]; then echo "$pid"; fi
    done
}

# SIGTERM to PID, then SIGKILL if it still runs after TENTHS tenths of a second.
stop_pid() {
    local pid=$1 tenths=$2 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < tenths; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # invoked via trap
cleanup() {
    local rc=$? pid ids
    trap - EXIT INT TERM
    # 1. The benchmark cleans up after itself on SIGTERM: give it the time to.
    if [[ -n $BENCH_PID ]] && kill -0 "$BENCH_PID" 2>/dev/null; then
        log "stopping presence-benchmark (pid $BENCH_PID)"
        stop_pid "$BENCH_PID" 900
    fi
    # 2. Whatever it started and left behind (it was killed, or failed to stop something).
    for pid in $(leftover_pids); do
        log "killing leftover process $pid"
        stop_pid "$pid" 50
    done
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
tools=(swift etcd docker curl od)
((!FLEET)) || tools=(swift etcd curl od)
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
((${#missing[@]} == 0)) || die "missing: ${missing[*]} (scripts/install-deps.sh installs etcd, docker and curl)"
((FLEET)) && mkdir -p "$ROOT/.build"
[[ -d $(dirname "$OUTPUT") ]] || die "the output directory $(dirname "$OUTPUT") does not exist"

RUN_DIR=$(mktemp -d /tmp/presence-bench.XXXXXX)

# --- 2. servers --------------------------------------------------------------------------------------------

if ((FLEET)); then
    # The fleet starts its own etcd cluster and simulated engines: no shared servers.
    SERVERS_NOTE=""
elif [[ -n ${PRESENCE_TEST_ENV:-} ]]; then
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
if ((!FLEET)); then
    : "${PRESENCE_TEST_DOCKER_HOST:?not set by the servers env file}"
    DOCKER_HOST_URL=$PRESENCE_TEST_DOCKER_HOST
    IMAGE=${PRESENCE_TEST_IMAGE:-presence-test:latest}
    timeout 20 docker -H "$DOCKER_HOST_URL" version >/dev/null 2>&1 || die "dockerd does not answer at $DOCKER_HOST_URL"
    timeout 20 docker -H "$DOCKER_HOST_URL" image inspect "$IMAGE" >/dev/null 2>&1 ||
        die "the image $IMAGE is missing from $DOCKER_HOST_URL (scripts/test-servers.sh start builds it)"
fi

# --- 3. release build --------------------------------------------------------------------------------------

t=$SECONDS
log "release builds: presence as the image ships it (scripts/release-build.sh), and presence-benchmark"
if ((FLEET)); then
    # No dockerd to build the image in: the image's build of the binary alone.
    # shellcheck source=scripts/release-build.sh
    source "$SCRIPT_DIR/release-build.sh"
    release_build >>"$RUN_DIR/build.log" 2>&1 || {
        tail -n 40 "$RUN_DIR/build.log" >&2
        die "the release build of presence failed"
    }
    BIN=$(release_binary)
    BINARY_BYTES=0
    IMAGE_BYTES=0
else
    # The image is built too (it reuses that build): the benchmark measures the binary the image runs, and its
    # size.
    scripts/build-image.sh --docker-host "$DOCKER_HOST_URL" >>"$RUN_DIR/build.log" 2>&1 || {
        tail -n 40 "$RUN_DIR/build.log" >&2
        die "the image build failed"
    }
    BIN=$ROOT/.build-release/image-context/agent/presence
    # The release binary the image's was made from: scripts/footprint.py reads its function names there.
    # shellcheck source=scripts/release-build.sh
    source "$SCRIPT_DIR/release-build.sh"
    export PRESENCE_BENCH_SYMBOLS
    PRESENCE_BENCH_SYMBOLS=$(release_binary)
    BINARY_BYTES=$(stat -c %s "$BIN")
    IMAGE_BYTES=$(docker -H "$DOCKER_HOST_URL" image inspect -f '{{.Size}}' etcd-container-presence:latest)
fi
swift build -c release --product presence-benchmark >>"$RUN_DIR/build.log" 2>&1 || {
    tail -n 40 "$RUN_DIR/build.log" >&2
    die "the release build of presence-benchmark failed"
}
BIN_DIR="$(swift build -c release --show-bin-path)"
[[ -x $BIN && -x $BIN_DIR/presence-benchmark ]] || die "the builds succeeded but $BIN or presence-benchmark is missing"
BUILD_SECONDS=$((SECONDS - t))
log "built $BIN and presence-benchmark in ${BUILD_SECONDS}s"

# --- 4. measurements ---------------------------------------------------------------------------------------

# Waits for the benchmark started as BENCH_PID (NAME in messages). `wait` returns early when a trapped signal
# arrives, so Ctrl-C reaches cleanup at once; an interrupted benchmark has cleaned up and said so, and this
# script exits as the signal does.
await_benchmark() {
    local rc=0
    wait "$BENCH_PID" || rc=$?
    BENCH_PID=""
    ((rc != 130 && rc != 143)) || exit "$rc"
    ((rc == 0)) || die "$1 failed (exit $rc)"
    log "report: $OUTPUT"
}

if ((FLEET)); then
    log "run $RUN_ID: fleet of $FLEET_AGENTS agents × $FLEET_CONTAINERS containers (at most ${BUDGET}s plus cleanup)"
    # Each agent holds a few sockets and the simulated engine a socket per host and per connection.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    # TMPDIR puts the sockets, the members' data and the agents' logs in RUN_DIR, which cleanup removes; the
    # agents' command lines name their sockets there, so leftover_pids finds them.
    PRESENCE_BINARY=$BIN TMPDIR=$RUN_DIR "$BIN_DIR/presence-benchmark" fleet \
        --agents "$FLEET_AGENTS" --containers "$FLEET_CONTAINERS" --budget "$BUDGET" --output "$OUTPUT" &
    BENCH_PID=$!
    await_benchmark "presence-benchmark fleet"
    exit 0
fi
log "run $RUN_ID: measuring (scale $SCALE, at most ${BUDGET}s plus cleanup)"
# The test servers' variables name the dockerd and the image; TMPDIR puts every file of the run (the private
# etcd's data, the agents' logs) in RUN_DIR, which cleanup removes.
PRESENCE_TEST_DOCKER_HOST=$DOCKER_HOST_URL PRESENCE_TEST_IMAGE=$IMAGE PRESENCE_BINARY=$BIN TMPDIR=$RUN_DIR \
    "$BIN_DIR/presence-benchmark" \
    --run-id "$RUN_ID" \
    --output "$OUTPUT" \
    --servers "$SERVERS_NOTE" \
    --scale "$SCALE" \
    --budget "$BUDGET" \
    --build-seconds "$BUILD_SECONDS" \
    --binary-bytes "$BINARY_BYTES" \
    --image-bytes "$IMAGE_BYTES" &
BENCH_PID=$!
await_benchmark presence-benchmark
