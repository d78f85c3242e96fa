#!/usr/bin/env bash
# Starts / stops a private etcd + dockerd pair for the integration tests.
#
#   scripts/test-servers.sh start DIR   start both, build presence-test:latest,
#                                       write DIR/env (source it)
#   scripts/test-servers.sh stop DIR    remove containers, stop both, unmount,
#                                       delete DIR
#   scripts/test-servers.sh stop-docker DIR
#                                       stop only DIR's dockerd, like a host's
#                                       `systemctl stop docker`: SIGTERM (its
#                                       containers get stopped), wait up to 20 s
#                                       ($PRESENCE_DOCKER_STOP_TIMEOUT), then
#                                       SIGKILL; then kill what it left behind
#                                       (containerd shims, container processes,
#                                       docker-proxy). etcd, DIR/data and the
#                                       containers' state are kept.
#   scripts/test-servers.sh start-docker DIR
#                                       start DIR's dockerd again with the same
#                                       flags and socket; containers with
#                                       `--restart always` come back, others stay
#                                       exited. Waits until it answers.
#
# stop-docker/start-docker are for tests that restart Docker under a running
# agent. Both are idempotent (stop when stopped / start when running only log)
# and serialised by a lock on DIR/.docker.lock.
#
# Everything lives under DIR (data, sockets, logs, pids), so several runs
# never share state. Only ONE dockerd can run per network namespace (each
# dockerd rewrites the docker0 bridge and the DOCKER iptables chains), so
# `start` refuses to start if a dockerd not belonging to DIR is running
# (see PRESENCE_TEST_ALLOW_OTHER_DOCKERD for a run in a private network
# namespace).
#
# Engine set: PRESENCE_ENGINES chooses which dockerd, containerd and etcd
# `start` runs (scripts/fetch-engines.sh provides them):
#   debian12  (default) the system's packages: dockerd 20.10, containerd
#             1.6, etcd 3.4
#   debian13  Debian 13's, unpacked privately: dockerd 26.1 (API 1.45),
#             containerd 1.7, etcd 3.5 (with Debian 12's runc)
# Only the servers get the set's directory first on their PATH (dockerd
# finds containerd, docker-proxy and docker-init there); clients (docker,
# etcdctl) stay the system's. `start` records the set in DIR/engines, and
# start-docker restarts dockerd from the recorded set whatever
# PRESENCE_ENGINES says then. etcd always runs with --enable-v2 (etcd 3.5
# still serves the v2 API behind it, and logs that the flag is deprecated
# and goes away in 3.6).
#
# Environment:
#   PRESENCE_ENGINES=debian12|debian13   engine set for `start` (above)
#   PRESENCE_TEST_ALLOW_OTHER_DOCKERD=1  start although a dockerd not
#       belonging to DIR runs, if it runs in another network namespace. Only
#       honoured when this script runs in a network namespace other than the
#       initial one: see check_no_foreign_dockerd. Run the whole test run in
#       such a namespace with scripts/in-netns.sh.
#   PRESENCE_READY_TIMEOUT, PRESENCE_DOCKER_STOP_TIMEOUT   seconds (below)
#
# DIR/env exports:
#   PRESENCE_TEST_ETCD          http://127.0.0.1:PORT   (v2 API enabled)
#   PRESENCE_TEST_DOCKER_HOST   unix://DIR/docker.sock
#   PRESENCE_TEST_IMAGE         presence-test:latest     (busybox, offline)
#   PRESENCE_TEST_DIR           DIR
#   PRESENCE_TEST_ENGINES       the engine set: debian12 or debian13
#   PRESENCE_TEST_ETCD_BINARY   that set's etcd (absolute path), which tests
#                               starting their own etcd servers run
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

TEST_IMAGE=presence-test:latest
READY_TIMEOUT=${PRESENCE_READY_TIMEOUT:-30}  # seconds per server
# stop-docker: seconds between SIGTERM and SIGKILL. dockerd stops running
# containers first, each with its stop timeout (10 s by default; a busybox
# `sleep` as pid 1 ignores SIGTERM and always takes that long).
DOCKER_STOP_TIMEOUT=${PRESENCE_DOCKER_STOP_TIMEOUT:-20}
# Marks a directory as ours: `stop` only deletes DIR wholesale if present.
MARKER=.presence-test-servers

log() { printf '[test-servers] %s\n' "$*" >&2; }
die() { printf '[test-servers] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    echo "usage: $0 start|stop|stop-docker|start-docker DIR" >&2
    exit 2
}

(($# == 2)) || usage
ACTION=$1
case $ACTION in start | stop | stop-docker | start-docker) ;; *) usage ;; esac

# Absolute, normalised DIR (it may not exist yet). The docker socket and
# containerd's sockets under DIR/exec must fit in a unix socket path
# (108 bytes), hence the length limit.
DIR=$(realpath -m -- "$2")
[[ $DIR != / ]] || die "refusing to use / as DIR"
((${#DIR} <= 60)) || die "DIR is too long (${#DIR} chars, max 60): unix socket paths under it would exceed 108 bytes. Use a short path such as /tmp/presence-test.XXXX"

DOCKER_SOCK=$DIR/docker.sock
DOCKER_PIDFILE=$DIR/docker.pid
ETCD_PIDFILE=$DIR/etcd.pid
ENGINES_FILE=$DIR/engines

docker_cli() { docker -H "unix://$DOCKER_SOCK" "$@"; }

# --- engine set -------------------------------------------------------------

ENGINE_SET=""
ENGINE_BIN="" # directory put first on the servers' PATH; empty for debian12
SERVER_PATH=$PATH
ETCD_BIN=""
DOCKERD_BIN=""

# Sets the ENGINE_* variables for engine set $1 (fetching it if needed).
use_engines() {
    ENGINE_SET=$1
    case $ENGINE_SET in
        debian12 | debian13) ;;
        *) die "unknown engine set '$ENGINE_SET' (PRESENCE_ENGINES): expected debian12 or debian13" ;;
    esac
    ENGINE_BIN=$(bash "$SCRIPT_DIR/fetch-engines.sh" "$ENGINE_SET") ||
        die "engine set $ENGINE_SET is not available (see above)"
    if [[ -n $ENGINE_BIN ]]; then
        SERVER_PATH=$ENGINE_BIN:$PATH
        ETCD_BIN=$ENGINE_BIN/etcd
        DOCKERD_BIN=$ENGINE_BIN/dockerd
    else
        ETCD_BIN=$(command -v etcd) || die "etcd not found; run scripts/install-deps.sh"
        DOCKERD_BIN=$(command -v dockerd) || die "dockerd not found; run scripts/install-deps.sh"
    fi
}

# The engine set DIR's servers were started with (DIR/engines), for
# start-docker. Directories from before engine sets existed are debian12.
use_recorded_engines() {
    local recorded=debian12
    if [[ -f $ENGINES_FILE ]]; then read -r recorded <"$ENGINES_FILE"; fi
    if [[ -n ${PRESENCE_ENGINES:-} && $PRESENCE_ENGINES != "$recorded" ]]; then
        log "WARNING: PRESENCE_ENGINES=$PRESENCE_ENGINES, but the servers in $DIR run engine set $recorded; using $recorded"
    fi
    use_engines "$recorded"
}

# --- process helpers ---------------------------------------------------------

# Prints the NUL-separated cmdline of PID with spaces, or nothing.
cmdline_of() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null || true; }

# True if a command line refers to one of the paths we pass to our servers
# (not merely DIR itself, which also appears in this script's own argv).
mentions_dir() {
    [[ $1 == *"$DIR/data"* || $1 == *"$DIR/exec"* || $1 == *"$DIR/etcd-data"* || $1 == *"$DIR/docker.sock"* ]]
}

# True if PID is alive and is really one of our servers (not a recycled pid).
is_ours() {
    local pid=$1
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && mentions_dir "$(cmdline_of "$pid")"
}

# True if PID exists and is not a zombie (a server reparented to an init that
# does not reap would otherwise look alive forever).
is_alive() {
    local line
    [[ $1 =~ ^[0-9]+$ ]] || return 1
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    line=${line##*) }
    [[ ${line:0:1} != [ZX] ]]
}

# Sends SIGTERM to PID, waits up to $2 seconds, then SIGKILLs it.
terminate() {
    local pid=$1 timeout=$2 name=$3 i
    kill -0 "$pid" 2>/dev/null || return 0
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < timeout * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "$name (pid $pid) did not exit after ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "WARNING: $name (pid $pid) still alive after SIGKILL"
}

# Pids of leftover processes that refer to DIR (containerd, containerd-shim,
# docker-proxy, etcd, an agent using our socket ...) plus all their
# descendants (container processes, which do not mention DIR), one per line.
# With an argument, that function (called with a command line) selects the
# roots instead of mentions_dir.
leftover_pids() {
    local match=${1:-mentions_dir}
    local f pid ppid line rest
    local -A children=()
    local -a queue=()
    for f in /proc/[0-9]*/stat; do
        pid=${f#/proc/}
        pid=${pid%/stat}
        ((pid == $$ || pid == BASHPID)) && continue
        { read -r line <"$f"; } 2>/dev/null || continue
        # Field 2 (comm) may contain spaces and parens: skip past the last
        # ") ", then the fields are: state ppid ...
        rest=${line##*) }
        read -r _ ppid _ <<<"$rest"
        children[$ppid]+=" $pid"
        "$match" "$(cmdline_of "$pid")" && queue+=("$pid")
    done
    local i=0
    while ((i < ${#queue[@]})); do
        pid=${queue[i]}
        ((i++)) || true
        echo "$pid"
        # shellcheck disable=SC2206 # splitting the child list is intended
        queue+=(${children[$pid]:-})
    done | sort -un
}

# Pids of running dockerd processes, one per line. Zombies are left out: an
# init that reaps late would otherwise show a stopped dockerd (with an empty
# command line, so not recognisably ours) as a foreign one.
dockerd_pids() {
    local f pid
    for f in /proc/[0-9]*/comm; do
        pid=${f#/proc/}
        pid=${pid%/comm}
        if [[ $(cat "$f" 2>/dev/null) == dockerd ]] && is_alive "$pid"; then echo "$pid"; fi
    done
    return 0
}

# Pids of the dockerd(s) serving DIR, one per line.
our_dockerd_pids() {
    local pid
    for pid in $(dockerd_pids); do
        if is_ours "$pid" && is_alive "$pid"; then echo "$pid"; fi
    done
    return 0
}

# True if something serves the Docker API on DIR/docker.sock.
docker_answers() {
    [[ -S $DOCKER_SOCK ]] &&
        [[ $(curl -s --max-time 2 --unix-socket "$DOCKER_SOCK" http://docker/_ping 2>/dev/null) == OK ]]
}

# --- ports -------------------------------------------------------------------

# Local TCP ports currently in use (any state), from /proc so that no extra
# tool (ss, python3) is needed.
used_ports() {
    local f
    for f in /proc/net/tcp /proc/net/tcp6; do
        [[ -r $f ]] || continue
        awk 'NR > 1 { split($2, a, ":"); print a[2] }' "$f"
    done | while read -r hex; do echo $((16#$hex)); done | sort -un
}

# Prints a currently unused port in 20000-32767 (below the kernel's default
# ephemeral range, so outgoing connections will not grab it meanwhile),
# different from any port given as argument. The same rule (range, and a port
# listed in /proc/net/tcp{,6} in any state is in use) as FreePorts in
# Tests/PresenceTestSupport/FreePorts.swift, by which the tests pick theirs;
# kept in bash because this script runs on its own (`start DIR`), with no
# Swift build at hand.
pick_port() {
    local used port tries
    used=" $(used_ports | tr '\n' ' ') $* "
    for ((tries = 0; tries < 200; tries++)); do
        port=$((20000 + RANDOM % 12768))
        [[ $used == *" $port "* ]] || { echo "$port"; return 0; }
    done
    die "could not find a free TCP port"
}

# --- wait helpers ------------------------------------------------------------

# fail_with_log NAME LOGFILE MESSAGE
fail_with_log() {
    log "ERROR: $3"
    if [[ -f $2 ]]; then
        log "last lines of $2:"
        tail -n 30 "$2" | sed 's/^/    /' >&2
    fi
    exit 1
}

# --- stop --------------------------------------------------------------------

stop_servers() {
    local pid

    # 1. Containers first, while dockerd still answers, so that it tears down
    #    their mounts, network namespaces and docker-proxy processes itself.
    if [[ -S $DOCKER_SOCK ]] && timeout 10 docker -H "unix://$DOCKER_SOCK" version >/dev/null 2>&1; then
        local ids
        ids=$(timeout 20 docker -H "unix://$DOCKER_SOCK" ps -aq 2>/dev/null || true)
        if [[ -n $ids ]]; then
            log "removing $(wc -w <<<"$ids") container(s)"
            # shellcheck disable=SC2086 # word splitting of ids is intended
            timeout 60 docker -H "unix://$DOCKER_SOCK" rm -f $ids >/dev/null 2>&1 ||
                log "WARNING: docker rm -f failed; processes will be killed below"
        fi
    fi

    # 2. dockerd: SIGTERM, 15 s grace, then SIGKILL.
    # (dockerd's own pidfile has no trailing newline: read files one by one.)
    local f
    for f in "$DOCKER_PIDFILE" "$DIR/dockerd.launch.pid"; do
        pid=$(cat "$f" 2>/dev/null || true)
        if is_ours "$pid"; then terminate "$pid" 15 dockerd; fi
    done
    # Also a dockerd for DIR whose pidfile is gone.
    for pid in $(dockerd_pids); do
        if is_ours "$pid"; then terminate "$pid" 15 dockerd; fi
    done

    # 3. etcd.
    pid=$(cat "$ETCD_PIDFILE" 2>/dev/null || true)
    if [[ -n $pid ]] && is_ours "$pid"; then
        terminate "$pid" 10 etcd
    fi

    # 4. Anything else still referring to DIR: containerd and shims left by a
    #    SIGKILLed dockerd, plus the container processes under them.
    # Container init processes ignore SIGTERM (pid 1 in their namespace) and
    # get reparented once their shim dies, so the first list is SIGKILLed
    # too, not just a re-scan.
    local left
    left=$(leftover_pids)
    if [[ -n $left ]]; then
        log "killing leftover processes: ${left//$'\n'/ }"
        # shellcheck disable=SC2086 # one pid per word
        kill -TERM $left 2>/dev/null || true
        sleep 1
        left=$( { echo "$left"; leftover_pids; } | sort -un)
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
        sleep 0.2
    fi

    # 5. Unmount whatever is still mounted under DIR (overlay layers, netns
    #    bind mounts, shm), deepest first. /proc/self/mounts escapes spaces
    #    as \040; our paths have none.
    local mounts m
    mounts=$(awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r)
    for m in $mounts; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "WARNING: could not unmount $m"
    done

    # 6. Delete DIR, but only wholesale if we created it (marker present);
    #    otherwise just what we put there, so a mistyped DIR cannot wipe a
    #    user's directory.
    if [[ -e $DIR/$MARKER ]]; then
        rm -rf -- "$DIR"
    elif [[ -d $DIR ]]; then
        rm -rf -- "$DIR"/{data,exec,etcd-data,image-rootfs,docker-tls} \
            "$DIR"/{docker.sock,docker.pid,dockerd.launch.pid,dockerd.log,etcd.pid,etcd.log,env,engines,.docker.lock}
        rmdir -- "$DIR" 2>/dev/null || true
    fi
}

# --- start -------------------------------------------------------------------

start_etcd() {
    local client peer pid i
    local data=$DIR/etcd-data logf=$DIR/etcd.log
    # Retry with new ports in the unlikely case another process grabbed a
    # port between picking and binding.
    for _ in 1 2 3; do
        client=$(pick_port)
        peer=$(pick_port "$client")
        rm -rf "$data"
        log "starting etcd ($ENGINE_SET engines) on 127.0.0.1:$client (peer $peer)"
        # setsid: own session, so the server outlives this script and is not
        # hit by signals sent to the caller's process group. The inner bash
        # records its own pid and then becomes etcd via exec.
        # env PATH: the engine set's directory first, for the server only.
        # shellcheck disable=SC2016 # expanded by the inner bash
        env PATH="$SERVER_PATH" setsid bash -c 'echo $$ >"$0"; exec "$@"' "$ETCD_PIDFILE" \
            "$ETCD_BIN" --name presence-test --data-dir "$data" \
            --listen-client-urls "http://127.0.0.1:$client" \
            --advertise-client-urls "http://127.0.0.1:$client" \
            --listen-peer-urls "http://127.0.0.1:$peer" \
            --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
            --initial-cluster "presence-test=http://127.0.0.1:$peer" \
            --enable-v2 \
            </dev/null >"$logf" 2>&1 &
        for ((i = 0; i < READY_TIMEOUT * 5; i++)); do
            pid=$(cat "$ETCD_PIDFILE" 2>/dev/null || true)
            if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
                break # exited; maybe a port clash, retry
            fi
            if curl -s --max-time 2 "http://127.0.0.1:$client/health" 2>/dev/null | grep -q '"health":"true"'; then
                ETCD_URL=http://127.0.0.1:$client
                pid=$(cat "$ETCD_PIDFILE")
                log "etcd ready at $ETCD_URL (pid $pid)"
                return 0
            fi
            sleep 0.2
        done
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
            terminate "$pid" 5 etcd
            fail_with_log etcd "$logf" "etcd did not become healthy within ${READY_TIMEOUT}s"
        fi
        if ! grep -q 'address already in use' "$logf"; then
            fail_with_log etcd "$logf" "etcd exited during startup"
        fi
        log "port clash, retrying with other ports"
    done
    fail_with_log etcd "$logf" "etcd could not bind free ports after 3 attempts"
}

# dockerd also serves its API over TLS on a loopback TCP port, as dockerd
# --tlsverify does for remote clients: a CA, a server certificate for
# 127.0.0.1 and a client certificate, made once per DIR (and kept across
# start-docker) with openssl. Clients find Docker's usual files (ca.pem,
# cert.pem, key.pem) in $DOCKER_TLS_DIR/client.
DOCKER_TLS_DIR=$DIR/docker-tls

make_docker_tls() {
    [[ -f $DOCKER_TLS_DIR/port ]] && return 0
    mkdir -p "$DOCKER_TLS_DIR/client"
    (
        cd "$DOCKER_TLS_DIR" &&
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 7 \
                -subj "/CN=presence test Docker CA" &&
            openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj "/CN=127.0.0.1" &&
            printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext &&
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem \
                -days 7 -extfile server.ext &&
            openssl req -newkey rsa:2048 -nodes -keyout client/key.pem -out client.csr -subj "/CN=presence" &&
            printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client/cert.pem \
                -days 7 -extfile client.ext &&
            cp ca.pem client/ca.pem
    ) >"$DOCKER_TLS_DIR/openssl.log" 2>&1 ||
        fail_with_log openssl "$DOCKER_TLS_DIR/openssl.log" "could not make the certificates of Docker's TLS listener"
    pick_port >"$DOCKER_TLS_DIR/port"
}

start_dockerd() {
    local logf=$DIR/dockerd.log pid i tls_port
    mkdir -p "$DIR/data" "$DIR/exec"
    make_docker_tls
    tls_port=$(cat "$DOCKER_TLS_DIR/port")
    # The launch pidfile too: a stale one (start-docker) would be read as the
    # new dockerd's pid and look like an instant exit.
    rm -f "$DOCKER_PIDFILE" "$DOCKER_SOCK" "$DIR/dockerd.launch.pid"
    log "starting dockerd ($ENGINE_SET engines) on unix://$DOCKER_SOCK"
    # Appended, so that the log of a start-docker keeps the earlier runs.
    printf '=== %s: starting dockerd\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$logf"
    # setsid + exec wrapper as for etcd; dockerd writes DOCKER_PIDFILE itself
    # only once it is initialised, so the wrapper records the pid earlier.
    # 9>&-: fd 9 holds the stop-docker/start-docker lock; dockerd must not
    # inherit it, or it would hold the lock for its whole life.
    # env PATH: dockerd finds containerd, docker-proxy and docker-init (and
    # containerd its shims, and they runc) on PATH, the engine set's first.
    # shellcheck disable=SC2016 # expanded by the inner bash
    env PATH="$SERVER_PATH" setsid bash -c 'echo $$ >"$0"; exec "$@"' "$DIR/dockerd.launch.pid" \
        "$DOCKERD_BIN" \
        --data-root "$DIR/data" \
        --exec-root "$DIR/exec" \
        --host "unix://$DOCKER_SOCK" \
        --pidfile "$DOCKER_PIDFILE" \
        --host "tcp://127.0.0.1:$tls_port" --tlsverify --tlscacert "$DOCKER_TLS_DIR/ca.pem" \
        --tlscert "$DOCKER_TLS_DIR/server-cert.pem" --tlskey "$DOCKER_TLS_DIR/server-key.pem" \
        </dev/null >>"$logf" 2>&1 9>&- &
    for ((i = 0; i < READY_TIMEOUT * 5; i++)); do
        pid=$(cat "$DIR/dockerd.launch.pid" 2>/dev/null || true)
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            if in_private_netns && grep -q "cgroup isn't mounted" "$logf"; then
                log "This network namespace's mount namespace lacks the cgroup hierarchies under /sys/fs/cgroup"
                log "(\`ip netns exec\` remounts /sys without them); run the command with scripts/in-netns.sh instead."
            fi
            fail_with_log dockerd "$logf" "dockerd exited during startup"
        fi
        if [[ -S $DOCKER_SOCK ]] && docker_cli version >/dev/null 2>&1; then
            log "dockerd ready (pid $pid, $(docker_cli version -f 'engine {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null))"
            return 0
        fi
        sleep 0.2
    done
    # We just started this pid, so stop it even if its cmdline looks odd.
    [[ -z $pid ]] || terminate "$pid" 15 dockerd
    fail_with_log dockerd "$logf" "dockerd did not answer on unix://$DOCKER_SOCK within ${READY_TIMEOUT}s"
}

# The test image: a static busybox and a few applet symlinks, imported from a
# tarball, so no registry is needed.
build_test_image() {
    local rootfs=$DIR/image-rootfs busybox applet
    busybox=$(command -v busybox || true)
    [[ -n $busybox ]] || die "busybox not found (install busybox-static)"
    # The container must not need the host's libc.
    if ldd "$busybox" >/dev/null 2>&1; then
        busybox=/bin/busybox
        [[ -x /usr/bin/busybox ]] && busybox=/usr/bin/busybox
        ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked; install busybox-static"
    fi
    rm -rf "$rootfs"
    mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev"
    cp "$busybox" "$rootfs/bin/busybox"
    for applet in sh sleep nc httpd true false wget cat echo ls env kill ps hostname; do
        ln -s busybox "$rootfs/bin/$applet"
    done
    chmod 1777 "$rootfs/tmp"
    log "importing $TEST_IMAGE"
    tar -C "$rootfs" --numeric-owner -c . |
        docker_cli import -c 'CMD ["/bin/sleep","100000"]' - "$TEST_IMAGE" >/dev/null
    rm -rf "$rootfs"
}

# True if this script runs in a network namespace other than the initial one:
# pid 1's, or, where pid 1's namespace links cannot be read (some inits deny
# even root), kthreadd's (pid 2), which like every kernel thread lives in
# the initial namespaces. If neither can be read, false (fail safe).
in_private_netns() {
    local ours init
    ours=$(readlink /proc/self/ns/net 2>/dev/null) || return 1
    if ! init=$(readlink /proc/1/ns/net 2>/dev/null); then
        [[ $(cat /proc/2/comm 2>/dev/null) == kthreadd ]] || return 1
        init=$(readlink /proc/2/ns/net 2>/dev/null) || return 1
    fi
    [[ $ours != "$init" ]]
}

# Refuses to go on if a dockerd not belonging to DIR runs.
#
# Two dockerds in one network namespace fight over the docker0 bridge and the
# DOCKER iptables chains, which exist once per network namespace. This check
# scans processes, which all network namespaces share, so it also sees
# dockerds that cannot interfere: a test run in a private network namespace
# (scripts/in-netns.sh) next to a developer's dockerd in the initial one.
# PRESENCE_TEST_ALLOW_OTHER_DOCKERD=1 lets such a run start; it is honoured
# only when this script runs outside the initial network namespace (there the
# other dockerd would share our docker0 and iptables), and never for a dockerd
# in our own network namespace. Note that a script in the initial namespace
# still sees our dockerd and refuses to start its own meanwhile.
check_no_foreign_dockerd() {
    local pid cmd other our_netns other_netns
    our_netns=$(readlink /proc/self/ns/net 2>/dev/null || true)
    for pid in $(dockerd_pids); do
        is_ours "$pid" && continue
        cmd=$(cmdline_of "$pid")
        if [[ ${PRESENCE_TEST_ALLOW_OTHER_DOCKERD:-0} == 1 ]]; then
            other_netns=$(readlink "/proc/$pid/ns/net" 2>/dev/null || true)
            if ! in_private_netns; then
                log "PRESENCE_TEST_ALLOW_OTHER_DOCKERD=1 ignored: this script runs in the initial network namespace"
            elif [[ -z $other_netns || $other_netns == "$our_netns" ]]; then
                log "PRESENCE_TEST_ALLOW_OTHER_DOCKERD=1 does not apply: dockerd pid $pid runs in this network namespace"
            else
                log "another dockerd (pid $pid) runs in another network namespace ($other_netns);"
                log "    allowed by PRESENCE_TEST_ALLOW_OTHER_DOCKERD=1, as we run in $our_netns"
                continue
            fi
        fi
        log "ERROR: another dockerd is running (pid $pid): $cmd"
        log "Only one dockerd can run per network namespace (they fight over docker0 and iptables)."
        if [[ ${PRESENCE_TEST_ALLOW_OTHER_DOCKERD:-0} != 1 ]] && in_private_netns &&
            [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null || true) != "$our_netns" ]]; then
            log "It runs in another network namespace than this script: PRESENCE_TEST_ALLOW_OTHER_DOCKERD=1 allows that."
        fi
        if [[ $cmd =~ --pidfile[=\ ]([^ ]+)/docker\.pid ]]; then
            other=${BASH_REMATCH[1]}
            if [[ -f $other/env ]]; then
                log "It looks like test servers started by this script in $other. Either reuse them:"
                log "    PRESENCE_TEST_ENV=$other/env scripts/test.sh"
                log "or stop them:"
                log "    scripts/test-servers.sh stop $other"
            fi
        fi
        exit 1
    done
}

# Deletes a docker0 left by an earlier dockerd, so that ours starts as on a
# new host and creates the bridge itself: Docker 20.10 then lists the bridge's
# subnet without a gateway, the case the agent must get right. Only called
# once check_no_foreign_dockerd found no other dockerd in this network
# namespace, so the bridge is nobody's.
remove_leftover_bridge() {
    if ip link show docker0 >/dev/null 2>&1; then
        log "deleting the docker0 bridge left by an earlier dockerd, so that ours starts as on a new host"
        ip link delete docker0 || die "could not delete the leftover docker0 bridge"
    fi
}

start_servers() {
    use_engines "${PRESENCE_ENGINES:-debian12}"
    command -v docker >/dev/null || die "docker CLI not found; run scripts/install-deps.sh"
    [[ $(id -u) -eq 0 ]] || die "dockerd needs root; run as root"

    if [[ -e $DIR && ! -e $DIR/$MARKER ]] && [[ -n $(ls -A "$DIR" 2>/dev/null) ]]; then
        die "$DIR exists, is not empty and was not created by this script; pick another DIR"
    fi

    # Leftovers from an earlier run with the same DIR: stop and wipe them so
    # every start gives empty etcd and docker state.
    if [[ -e $DIR/$MARKER ]]; then
        log "cleaning up an earlier run in $DIR"
        stop_servers
    fi
    check_no_foreign_dockerd
    remove_leftover_bridge

    mkdir -p "$DIR"
    # Searchable by everyone (not listable), as /var/run is: agents run as
    # unprivileged users must reach docker.sock, which its own mode and group
    # guard. DIR may come from mktemp -d, which makes it 0700.
    chmod 0711 "$DIR"
    touch "$DIR/$MARKER"
    echo "$ENGINE_SET" >"$ENGINES_FILE"
    # If anything below fails, do not leave half-started servers behind.
    trap 'rc=$?; if ((rc != 0)); then log "start failed; cleaning up"; stop_servers; fi' EXIT

    start_etcd
    start_dockerd
    build_test_image

    # Written last and atomically: if DIR/env exists, the servers are ready.
    cat >"$DIR/env.tmp" <<EOF
# Generated by scripts/test-servers.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ).
# Stop with: $ROOT/scripts/test-servers.sh stop $DIR
export PRESENCE_TEST_ETCD=$ETCD_URL
export PRESENCE_TEST_DOCKER_HOST=unix://$DOCKER_SOCK
export PRESENCE_TEST_DOCKER_TLS_HOST=tcp://127.0.0.1:$(cat "$DOCKER_TLS_DIR/port")
export PRESENCE_TEST_DOCKER_CERT_PATH=$DOCKER_TLS_DIR/client
export PRESENCE_TEST_IMAGE=$TEST_IMAGE
export PRESENCE_TEST_DIR=$DIR
export PRESENCE_TEST_ENGINES=$ENGINE_SET
export PRESENCE_TEST_ETCD_BINARY=$ETCD_BIN
EOF
    mv "$DIR/env.tmp" "$DIR/env"
    trap - EXIT
    log "ready; environment in $DIR/env"
}

# --- stop-docker / start-docker -----------------------------------------------

# Roots of what a dockerd leaves behind: its containerd and the shims (their
# command lines name DIR/exec or DIR/data). Unlike mentions_dir this spares
# etcd and mere clients of DIR/docker.sock (an agent under test, a socat
# proxy), which must survive a Docker restart.
mentions_docker_state() {
    [[ $1 == *"$DIR/data"* || $1 == *"$DIR/exec"* ]]
}

# Serialises stop-docker/start-docker calls on the same DIR (tests may run
# them concurrently). Released when this script exits.
lock_docker() {
    [[ -d $DIR ]] || return 0
    exec 9>>"$DIR/.docker.lock"
    flock -w 120 9 || die "another stop-docker/start-docker on $DIR did not finish within 120s"
}

# "pid<TAB>cmdline" of PID's descendants, one per line.
descendants_with_cmdline() {
    local root=$1 f pid ppid line rest i=0
    local -A children=()
    for f in /proc/[0-9]*/stat; do
        pid=${f#/proc/}
        pid=${pid%/stat}
        { read -r line <"$f"; } 2>/dev/null || continue
        rest=${line##*) }
        read -r _ ppid _ <<<"$rest"
        children[$ppid]+=" $pid"
    done
    # shellcheck disable=SC2206 # splitting the child list is intended
    local -a queue=(${children[$root]:-})
    while ((i < ${#queue[@]})); do
        pid=${queue[i]}
        ((i++)) || true
        printf '%s\t%s\n' "$pid" "$(cmdline_of "$pid")"
        # shellcheck disable=SC2206
        queue+=(${children[$pid]:-})
    done
}

# Kills what a stopped dockerd left behind: containerd, containerd-shims and
# the container processes under them (after a SIGKILL they keep running, and
# the new dockerd would spend its startup stopping them), plus the processes
# listed in $1 ("pid<TAB>cmdline" lines: dockerd's former children such as
# docker-proxy, which do not mention DIR) if still the same processes.
# Quiet when there is nothing to kill.
kill_docker_leftovers() {
    local snapshot=${1:-} left pid cmd i
    left=$(
        leftover_pids mentions_docker_state
        if [[ -n $snapshot ]]; then
            while IFS=$'\t' read -r pid cmd; do
                if is_alive "$pid" && [[ $(cmdline_of "$pid") == "$cmd" ]]; then echo "$pid"; fi
            done <<<"$snapshot"
        fi
    )
    left=$(sort -un <<<"$left" | sed '/^$/d')
    if [[ -n $left ]]; then
        log "killing what dockerd left behind: ${left//$'\n'/ }"
        # Container init processes ignore SIGTERM, and the new dockerd would
        # kill these anyway: SIGKILL at once. Re-scan once for processes
        # forked meanwhile.
        # shellcheck disable=SC2086 # one pid per word
        kill -KILL $left 2>/dev/null || true
        left=$(leftover_pids mentions_docker_state)
        # shellcheck disable=SC2086
        [[ -z $left ]] || kill -KILL $left 2>/dev/null || true
    fi
    # A stale containerd pidfile would make dockerd adopt whatever process
    # now has that pid instead of starting its own containerd.
    local cpidfile=$DIR/exec/containerd/containerd.pid
    pid=$(cat "$cpidfile" 2>/dev/null || true)
    if [[ -n $pid ]]; then
        for ((i = 0; i < 50; i++)); do
            is_alive "$pid" || break
            sleep 0.1
        done
        if ! is_alive "$pid" || ! mentions_docker_state "$(cmdline_of "$pid")"; then
            rm -f "$cpidfile"
        fi
    fi
}

stop_docker() {
    local pids pid snapshot="" start=$SECONDS i stopped=0
    pids=$(our_dockerd_pids)
    if [[ -z $pids ]]; then
        if docker_answers; then
            die "no dockerd for $DIR is running, but something answers on $DOCKER_SOCK"
        fi
        log "dockerd for $DIR is not running; nothing to stop"
        [[ ! -d $DIR ]] || kill_docker_leftovers
        return 0
    fi
    # dockerd's children (containerd, docker-proxy): remembered now, as they
    # get reparented once dockerd is gone.
    for pid in $pids; do
        snapshot+=$(descendants_with_cmdline "$pid")$'\n'
    done
    log "stopping dockerd (pid ${pids//$'\n'/ }) with SIGTERM; DIR/data and containers are kept"
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < DOCKER_STOP_TIMEOUT * 10; i++)); do
        stopped=1
        for pid in $pids; do
            if is_alive "$pid"; then stopped=0; break; fi
        done
        if ((stopped)) && ! docker_answers; then break; fi
        stopped=0
        sleep 0.1
    done
    if ((!stopped)); then
        log "dockerd did not exit within ${DOCKER_STOP_TIMEOUT}s; sending SIGKILL"
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            stopped=1
            for pid in $pids; do
                if is_alive "$pid"; then stopped=0; break; fi
            done
            ((stopped)) && break
            sleep 0.1
        done
        ((stopped)) || die "dockerd (pid ${pids//$'\n'/ }) still alive after SIGKILL"
        if docker_answers; then
            die "dockerd is gone but something still answers on $DOCKER_SOCK"
        fi
    fi
    kill_docker_leftovers "$snapshot"
    log "dockerd stopped in $((SECONDS - start))s"
}

start_docker() {
    local pids i
    [[ -e $DIR/$MARKER && -f $DIR/env ]] ||
        die "no test servers in $DIR; start them first with: $0 start $DIR"
    pids=$(our_dockerd_pids)
    if [[ -n $pids ]]; then
        for ((i = 0; i < READY_TIMEOUT * 5; i++)); do
            if docker_answers; then
                log "dockerd for $DIR is already running (pid ${pids//$'\n'/ }); nothing to start"
                return 0
            fi
            sleep 0.2
        done
        die "dockerd for $DIR (pid ${pids//$'\n'/ }) is running but does not answer on $DOCKER_SOCK; see $DIR/dockerd.log"
    fi
    use_recorded_engines
    [[ $(id -u) -eq 0 ]] || die "dockerd needs root; run as root"
    check_no_foreign_dockerd
    kill_docker_leftovers
    start_dockerd
}

case $ACTION in
    start) start_servers ;;
    stop-docker)
        lock_docker
        stop_docker
        ;;
    start-docker)
        lock_docker
        start_docker
        ;;
    stop)
        if [[ ! -e $DIR ]] && [[ -z $(leftover_pids) ]]; then
            log "nothing to stop in $DIR"
            exit 0
        fi
        stop_servers
        if [[ -e $DIR ]]; then
            log "stopped; kept $DIR (not created by this script; only our files were removed)"
        else
            log "stopped; removed $DIR"
        fi
        ;;
esac
