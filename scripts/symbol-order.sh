#!/usr/bin/env bash
# Writes deploy/symbol-order.txt: the functions of the agent that run at start and in steady state, which the
# release build (scripts/release-build.sh) places side by side so that the few pages they fill are all the
# process maps of its code. Without it they are spread over the whole .text, and the kernel's fault-around
# makes most of it resident (docs/BENCHMARKS.md, "Where the resident pages come from").
#
#   scripts/symbol-order.sh BINARY
#
# BINARY is the release build stripped of its debug info (strip --strip-debug, as in the image): valgrind
# cannot read the full build's.
# Needs valgrind and the test servers (PRESENCE_TEST_ENV=DIR/env, from scripts/test-servers.sh start DIR):
# runs BINARY under callgrind through a start with three containers running (written together), a container
# started and stopped, five started at once, keep-alives, the event stream reopened after a silence, idle
# connections closed, a metrics scrape and SIGTERM, and lists every function of BINARY that ran. Names that
# later builds no longer have are skipped by the linker, so the file needs renewing only when the hot path
# changes much.
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
BIN=${1:?usage: $0 BINARY}
# shellcheck disable=SC1090
source "${PRESENCE_TEST_ENV:?set PRESENCE_TEST_ENV to the env file of scripts/test-servers.sh start}"
command -v valgrind >/dev/null || { echo "valgrind not found: apt-get install valgrind" >&2; exit 1; }
work=$(mktemp -d)
# Running before the agent starts.
running=("symbol-order-$$-1" "symbol-order-$$-2" "symbol-order-$$-3")
# Started together in the events phase: a burst of starts (inspects side by side, writes batched) runs code
# that one container's start does not.
burst=("symbol-order-$$-b1" "symbol-order-$$-b2" "symbol-order-$$-b3" "symbol-order-$$-b4" "symbol-order-$$-b5")
names=("symbol-order-$$" "${running[@]}" "${burst[@]}")
trap 'docker -H "$PRESENCE_TEST_DOCKER_HOST" rm -f "${names[@]}" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
for name in "${running[@]}"; do
    docker -H "$PRESENCE_TEST_DOCKER_HOST" run -d --name "$name" -p 80 "$PRESENCE_TEST_IMAGE" httpd -f -p 80 >/dev/null
done
metrics=$((20000 + RANDOM % 9000))
valgrind --tool=callgrind --demangle=no --dump-instr=no --callgrind-out-file="$work/out" "$BIN" --all \
    --prefix "/symbol-order-$$/{hostname}" --etcd-endpoints "$PRESENCE_TEST_ETCD" \
    --docker-host "$PRESENCE_TEST_DOCKER_HOST" --metrics-address "127.0.0.1:$metrics" --interval 5 \
    >"$work/log" 2>&1 &
pid=$!
# Three dumps, then the last at exit: the start; the agent idle (keep-alives only); a container started and
# stopped by its events and a metrics scrape; the shutdown.
sleep 20
callgrind_control --dump=start "$pid" >/dev/null
# The idle agent for more than a minute: on a quiet host the event stream is reopened after 60 s of silence,
# and the connections the start opened side by side are closed after the HTTP clients' idle timeout (60 s).
# Both come after the start's pages are gone (the reopening once a minute on), and unordered they mapped 1.8 MB
# of code back.
sleep 55
callgrind_control --dump=idle "$pid" >/dev/null
docker -H "$PRESENCE_TEST_DOCKER_HOST" run -d --name "symbol-order-$$" -p 80 "$PRESENCE_TEST_IMAGE" \
    httpd -f -p 80 >/dev/null
sleep 5
starting=()
for name in "${burst[@]}"; do
    docker -H "$PRESENCE_TEST_DOCKER_HOST" run -d --name "$name" -p 80 "$PRESENCE_TEST_IMAGE" httpd -f -p 80 \
        >/dev/null &
    starting+=($!)
done
wait "${starting[@]}"
sleep 5
curl -s "http://127.0.0.1:$metrics/metrics" >/dev/null || true
docker -H "$PRESENCE_TEST_DOCKER_HOST" stop -t 1 "symbol-order-$$" "${burst[@]}" >/dev/null
sleep 5
callgrind_control --dump=events "$pid" >/dev/null
kill -TERM "$pid"
wait "$pid" || true
# The idle agent's functions first, then those of events and scrapes, each set side by side: once the start's
# pages are dropped (StartupPages), they are all the code the agent maps again, and the kernel maps code in
# whole folios, so the fewer folios the keep-alive's functions span, the fewer pages stay resident. The
# start's and the shutdown's come last.
python3 - "$(basename "$BIN")" "$work"/out.* "$work/out" >"$ROOT/deploy/symbol-order.txt" <<'PY'
import re, sys

def functions_in(path, binary):
    objects, names, current, functions = {}, {}, None, set()
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if m := re.match(r"^(c?ob)=\((\d+)\)(?: (.*))?$", line):
            if m[3]:
                objects[m[2]] = m[3]
            if m[1] == "ob":
                current = objects.get(m[2], "")
        elif m := re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line):
            # A name is given once, where its number first appears, as a function or as a callee.
            if m[3]:
                names[m[2]] = m[3]
            if m[1] == "fn" and current.endswith("/" + binary):
                functions.add(names.get(m[2], ""))
    return {f for f in functions if f and not f.startswith("0x")}

binary, dumps = sys.argv[1], sys.argv[2:]
def dump(trigger):
    """The functions of the dump that `callgrind_control --dump=TRIGGER` made."""
    def made_by(path):
        return re.search(rf"^desc: Trigger: dump {trigger}$", open(path, errors="replace").read(4096), re.M)
    return set().union(*(functions_in(d, binary) for d in dumps if made_by(d)))
idle = dump("idle")
events = dump("events") - idle
rest = set().union(*(functions_in(d, binary) for d in dumps)) - idle - events
print("\n".join(sorted(idle) + sorted(events) + sorted(rest)))
print(f"{len(idle)} functions idle, {len(events)} more for events and scrapes, {len(rest)} more", file=sys.stderr)
PY
echo "$(wc -l <"$ROOT/deploy/symbol-order.txt") functions in deploy/symbol-order.txt" >&2
