#!/usr/bin/env bash
# Provides an engine set (dockerd + containerd + etcd) for the integration
# tests and prints the directory to put first on the servers' PATH.
#
#   scripts/fetch-engines.sh SET          SET = debian12 | debian13
#
# Engine sets:
#   debian12  the system's own packages, as scripts/install-deps.sh installs
#             them (docker.io 20.10, containerd 1.6, etcd-server 3.4). Nothing
#             is fetched; prints an empty line (PATH stays as it is).
#   debian13  Debian 13 ("trixie")'s docker.io (dockerd 26.1, Engine API
#             1.45, with its docker-proxy), containerd 1.7, tini (docker-init)
#             and etcd-server 3.5, fetched with `apt-get download` from the
#             `trixie` suite of the archive this system already uses, and
#             unpacked with `dpkg -x` into a private directory. Nothing is
#             installed system-wide. Debian 12's runc is kept (Debian 13's
#             needs a newer glibc); the rest runs on Debian 12's glibc.
#             Prints DIR/bin, which holds links to exactly the server
#             binaries: dockerd, docker-proxy, docker-init, containerd,
#             containerd-shim*, etcd (no clients: the tests keep using the
#             system's docker and etcdctl).
#
# Idempotent: a complete, verified set is reused without any download; an
# incomplete one is fetched again. Every run checks that the binaries start
# and report the expected versions (dockerd --version, etcd --version, ...),
# and fails loudly otherwise. Concurrent runs are serialised by a lock.
#
# Environment:
#   PRESENCE_ENGINES_DIR     where sets are unpacked (default: .build-engines
#                            in the repository, ignored by git), as
#                            PRESENCE_ENGINES_DIR/debian13/{bin,root,VERSIONS}
#   PRESENCE_DEBIAN_ARCHIVE  Debian archive URL to fetch from (default: the
#                            one the system's apt sources use for its own
#                            release)
#
# The fetch needs the Debian archive (run it before entering a network
# namespace without network; scripts/test.sh runs it in its deps phase).
set -euo pipefail
# Failures inside $(...) must stop the script too (bash clears -e there).
shopt -s inherit_errexit

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

log() { printf '[fetch-engines] %s\n' "$*" >&2; }
HINT=""
die() {
    printf '[fetch-engines] ERROR: %s\n' "$*" >&2
    [[ -z $HINT ]] || printf '[fetch-engines] %s\n' "$HINT" >&2
    exit 1
}

usage() {
    echo "usage: $0 debian12|debian13" >&2
    exit 2
}

(($# == 1)) || usage
SET=$1

# What each set must report. A Debian stable release keeps its upstream
# versions; if the archive ever moves on, the check fails and says so.
TRIXIE_SUITE=trixie
TRIXIE_PACKAGES=(docker.io containerd tini etcd-server)
# shellcheck disable=SC2034 # read through a nameref in verify_set
declare -A EXPECT_debian13=([dockerd]=26.1 [containerd]=1.7 [etcd]=3.5 [docker-init]=0.19)
# shellcheck disable=SC2034
declare -A EXPECT_debian12=([dockerd]=20.10 [containerd]=1.6 [etcd]=3.4 [docker-init]=0.19)

# --- version probes ------------------------------------------------------------

# Each prints the bare version of the binary given as $1 or fails with its
# output (a binary that cannot start, e.g. a glibc mismatch, fails here).
run_version() { # run_version NAME BINARY ARGS...: the binary's output, or die
    local name=$1 bin=$2 out
    shift 2
    [[ -x $bin ]] || die "$name: $bin is missing or not executable"
    out=$("$bin" "$@" 2>&1) || die "$name: '$bin $*' failed:"$'\n'"$out"
    printf '%s\n' "$out"
}
dockerd_version() { # "Docker version 26.1.5+dfsg1, build 411e817"
    run_version dockerd "$1" --version | sed -n 's/^Docker version \([^,]*\),.*/\1/p'
}
containerd_version() { # "containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6+deb13u1"
    run_version containerd "$1" --version | awk '/^containerd / { print $3; exit }'
}
etcd_version() { # "etcd Version: 3.5.16"
    run_version etcd "$1" --version | awk '/^etcd Version:/ { print $3; exit }'
}
init_version() { # "tini version 0.19.0 - git.de40ad0"
    run_version docker-init "$1" --version | awk '/^tini version/ { print $3; exit }'
}

# check_series NAME VERSION SERIES: VERSION must be SERIES or SERIES.*
check_series() {
    local name=$1 version=$2 series=$3
    [[ -n $version ]] || die "$name: could not read its version"
    [[ $version == "$series" || $version == "$series".* ]] ||
        die "$name is $version, expected $series.x for engine set $SET (update the expectation in $0 if Debian moved on)"
}

# verify_set SET BINDIR: checks every server binary of SET (found in BINDIR,
# or on PATH if BINDIR is empty) and prints one "name version path" line per
# binary.
verify_set() {
    local set=$1 bindir=$2 name bin version
    local -n expect="EXPECT_$set"
    for name in dockerd containerd containerd-shim-runc-v2 docker-proxy docker-init etcd runc; do
        if [[ -n $bindir && $name != runc ]]; then
            bin=$bindir/$name
            [[ -e $bin ]] || die "$name missing from $bindir"
        else
            bin=$(command -v "$name" || true)
            [[ -n $bin ]] || die "$name not found on PATH; run scripts/install-deps.sh"
        fi
        case $name in
            dockerd) version=$(dockerd_version "$bin") ;;
            containerd) version=$(containerd_version "$bin") ;;
            etcd) version=$(etcd_version "$bin") ;;
            docker-init) version=$(init_version "$bin") ;;
            runc) version=$(run_version runc "$bin" --version | awk '/^runc version/ { print $3; exit }') ;;
            containerd-shim-runc-v2) version=$(run_version "$name" "$bin" -v | awk '/Version:/ { print $2; exit }') ;;
            docker-proxy)
                # No version flag; make sure it at least links.
                [[ -x $bin ]] || die "$name: $bin is not executable"
                if ldd "$bin" 2>&1 | grep -q 'not found'; then
                    die "$name: $bin needs libraries this system lacks:"$'\n'"$(ldd "$bin" 2>&1)"
                fi
                version=-
                ;;
        esac
        if [[ -n ${expect[$name]:-} ]]; then
            if [[ $set == debian12 ]]; then
                # The system's packages: whatever this machine has is the
                # baseline; only say when it is not Debian 12's.
                [[ -n $version && ($version == "${expect[$name]}" || $version == "${expect[$name]}".*) ]] ||
                    log "WARNING: system $name is ${version:-of unknown version}, not Debian 12's ${expect[$name]}.x"
            else
                check_series "$name" "$version" "${expect[$name]}"
            fi
        fi
        printf '%s %s %s\n' "$name" "${version:-?}" "$(readlink -f "$bin")"
    done
}

# --- the system's Debian archive ----------------------------------------------

# Prints "URI SIGNED-BY" (SIGNED-BY may be empty) of the first apt source that
# serves the system's own release (VERSION_CODENAME, not -updates/-security)
# with the main component, from one-line .list files and deb822 .sources.
system_archive() {
    local codename f
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [[ -n $codename ]] || die "no VERSION_CODENAME in /etc/os-release; set PRESENCE_DEBIAN_ARCHIVE"
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        if [[ $f == *.sources ]]; then
            awk -v want="$codename" '
                function flush() {
                    if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " want " ") &&
                        (" " comps " ") ~ / main / && enabled != "no" && uris != "") {
                        split(uris, u, " "); print u[1], (signed ~ /^\// ? signed : ""); found = 1; exit
                    }
                    types = uris = suites = comps = signed = ""; enabled = "yes"
                }
                BEGIN { enabled = "yes" }
                /^[ \t]*#/ { next }
                /^[ \t]*$/ { flush(); next }
                /^[^ \t]/ {
                    key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
                    if (key == "types") types = $0
                    else if (key == "uris") uris = $0
                    else if (key == "suites") suites = $0
                    else if (key == "components") comps = $0
                    else if (key == "signed-by") signed = $0
                    else if (key == "enabled") enabled = tolower($0)
                }
                END { if (!found) flush() }
            ' "$f"
        else
            awk -v want="$codename" '
                /^[ \t]*deb[ \t]/ {
                    signed = ""; i = 2
                    if ($2 ~ /^\[/) {
                        while (i <= NF) {
                            if ($i ~ /^\[?signed-by=/) { s = $i; sub(/^\[?signed-by=/, "", s); sub(/\]$/, "", s); signed = s }
                            if ($i ~ /\]$/) { i++; break }
                            i++
                        }
                    }
                    uri = $i; suite = $(i + 1); comps = ""
                    for (j = i + 2; j <= NF; j++) comps = comps " " $j
                    if (suite == want && (comps " ") ~ / main /) { print uri, signed; exit }
                }
            ' "$f"
        fi
    done | head -n 1
}

# --- fetching debian13 ----------------------------------------------------------

fetch_debian13() {
    local dest=$1 stage=$1.tmp archive signed apt_dir line
    local -a apt_opts
    command -v apt-get >/dev/null || die "apt-get not found"
    command -v dpkg-deb >/dev/null || die "dpkg-deb not found"
    if [[ -n ${PRESENCE_DEBIAN_ARCHIVE:-} ]]; then
        archive=$PRESENCE_DEBIAN_ARCHIVE
        signed=""
    else
        line=$(system_archive)
        [[ -n $line ]] || die "found no apt source for this system's Debian release in /etc/apt; set PRESENCE_DEBIAN_ARCHIVE=http://.../debian"
        read -r archive signed <<<"$line"
    fi
    if [[ -z $signed && -f /usr/share/keyrings/debian-archive-keyring.gpg ]]; then
        signed=/usr/share/keyrings/debian-archive-keyring.gpg
    fi
    log "fetching ${TRIXIE_PACKAGES[*]} from the $TRIXIE_SUITE suite of $archive"

    rm -rf "$stage"
    # A failed fetch leaves nothing behind (the errors are in the message).
    # shellcheck disable=SC2064 # $stage is expanded now, on purpose
    trap "rm -rf '$stage'" EXIT
    apt_dir=$stage/apt
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/state" "$stage/debs" "$stage/root" "$stage/bin"
    echo "deb${signed:+ [signed-by=$signed]} $archive $TRIXIE_SUITE main" >"$apt_dir/sources.list"
    # A private apt: its own sources, lists, cache and (empty) package state,
    # so neither the system's apt state nor its pinning is read or touched.
    # The system's apt.conf.d (proxies and the like) still applies.
    apt_opts=(
        -q
        -o "Dir::Etc::SourceList=$apt_dir/sources.list"
        -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::Etc::Preferences=/dev/null"
        -o "Dir::Etc::PreferencesParts=/dev/null"
        -o "Dir::State=$apt_dir/state"
        -o "Dir::State::Lists=$apt_dir/lists"
        -o "Dir::State::status=/dev/null"
        -o "Dir::Cache=$apt_dir/cache"
        -o "APT::Sandbox::User=root"
    )
    # --error-on=any: an unreachable archive is an error, not a warning.
    apt-get "${apt_opts[@]}" update --error-on=any >"$apt_dir/update.log" 2>&1 ||
        die "apt-get update of $TRIXIE_SUITE failed:"$'\n'"$(tail -n 20 "$apt_dir/update.log")"
    (cd "$stage/debs" && apt-get "${apt_opts[@]}" download "${TRIXIE_PACKAGES[@]}") >"$apt_dir/download.log" 2>&1 ||
        die "apt-get download ${TRIXIE_PACKAGES[*]} failed:"$'\n'"$(tail -n 20 "$apt_dir/download.log")"

    local deb pkg n=0
    for deb in "$stage"/debs/*.deb; do
        [[ -e $deb ]] || continue
        pkg=$(dpkg-deb -f "$deb" Package)
        log "  unpacking $pkg $(dpkg-deb -f "$deb" Version)"
        dpkg-deb -x "$deb" "$stage/root"
        echo "package $pkg $(dpkg-deb -f "$deb" Version)" >>"$stage/packages"
        n=$((n + 1))
    done
    ((n == ${#TRIXIE_PACKAGES[@]})) || die "expected ${#TRIXIE_PACKAGES[@]} packages, downloaded $n:"$'\n'"$(tail -n 20 "$apt_dir/download.log")"

    # bin/: relative links to the server binaries only (the set is built in
    # a staging directory and then renamed).
    local -A links=(
        [dockerd]=usr/sbin/dockerd
        [docker-proxy]=usr/sbin/docker-proxy
        [docker-init]=usr/bin/tini-static # docker.io's docker-init links to it
        [containerd]=usr/bin/containerd
        [containerd-shim-runc-v2]=usr/bin/containerd-shim-runc-v2
        [containerd-shim-runc-v1]=usr/bin/containerd-shim-runc-v1
        [containerd-shim]=usr/bin/containerd-shim
        [etcd]=usr/bin/etcd
    )
    local name
    for name in "${!links[@]}"; do
        [[ -x $stage/root/${links[$name]} ]] || die "${links[$name]} is not in the unpacked packages"
        ln -s "../root/${links[$name]}" "$stage/bin/$name"
    done
    # The .debs (80 MB) and apt lists (20 MB) are not needed any more; the
    # apt logs are kept.
    rm -rf "$stage/debs" "$apt_dir/lists" "$apt_dir/cache" "$apt_dir/state"

    verify_set debian13 "$stage/bin" >"$stage/versions"
    {
        echo "# Debian $TRIXIE_SUITE engine set, fetched $(date -u +%Y-%m-%dT%H:%M:%SZ) by scripts/fetch-engines.sh"
        cat "$stage/packages"
        cut -d' ' -f1,2 "$stage/versions"
    } >"$stage/VERSIONS.tmp"
    rm -f "$stage/packages" "$stage/versions"
    rm -rf "$dest"
    mv "$stage/VERSIONS.tmp" "$stage/VERSIONS" # written last: marks a complete set
    mv "$stage" "$dest"
    trap - EXIT
}

# --- main -----------------------------------------------------------------------

case $SET in
    debian12)
        versions=$(verify_set debian12 "")
        while read -r name version path; do
            log "debian12: $name $version ($path)"
        done <<<"$versions"
        echo ""
        ;;
    debian13)
        base=${PRESENCE_ENGINES_DIR:-$ROOT/.build-engines}
        mkdir -p "$base"
        base=$(cd "$base" && pwd)
        dest=$base/debian13
        exec 8>>"$base/.lock"
        flock -w 600 8 || die "another fetch-engines.sh holds $base/.lock"
        if [[ -f $dest/VERSIONS && -d $dest/bin ]]; then
            log "debian13: reusing $dest"
        else
            [[ ! -e $dest ]] || log "debian13: $dest is incomplete; fetching it again"
            fetch_debian13 "$dest"
            log "debian13: fetched into $dest"
        fi
        HINT="The engine set in $dest does not work; delete it to fetch it again."
        versions=$(verify_set debian13 "$dest/bin")
        HINT=""
        while read -r name version path; do
            log "debian13: $name $version ($path)"
        done <<<"$versions"
        echo "$dest/bin"
        ;;
    *) usage ;;
esac
