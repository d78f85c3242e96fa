# Shared by the scripts that build a FROM-scratch image around one of Debian's
# binaries, without any registry (build-etcd-image.sh, build-haproxy-image.sh).
# Source it after defining log and die, then:
#
#   parse_image_arguments "$@"            # --docker-host URL, --tag NAME:TAG
#   copy_with_libraries BINARY ROOTFS DEST   # the binary at DEST, its libraries
#   build_scratch_image CONTEXT           # docker build -t "$tag" CONTEXT
#
# tag must be set to the default tag before parse_image_arguments.

image_usage() {
    echo "usage: $0 [--docker-host unix:///path/docker.sock] [--tag NAME:TAG]" >&2
    exit 2
}

# Sets docker_host (default: DOCKER_HOST) and tag from the command line.
parse_image_arguments() {
    docker_host=${DOCKER_HOST:-}
    while (($#)); do
        case $1 in
            --docker-host) (($# >= 2)) || image_usage; docker_host=$2; shift 2 ;;
            --docker-host=*) docker_host=${1#*=}; shift ;;
            --tag) (($# >= 2)) || image_usage; tag=$2; shift 2 ;;
            --tag=*) tag=${1#*=}; shift ;;
            -h | --help) image_usage ;;
            *) echo "unknown argument: $1" >&2; image_usage ;;
        esac
    done
    command -v ldd >/dev/null || die "ldd not found; run scripts/install-deps.sh"
    docker_cli version >/dev/null 2>&1 ||
        die "cannot reach dockerd at ${docker_host:-the default DOCKER_HOST}; pass --docker-host unix:///path/docker.sock"
}

docker_cli() {
    if [[ -n $docker_host ]]; then docker -H "$docker_host" "$@"; else docker "$@"; fi
}

# Copies BINARY to ROOTFS/DEST and the shared libraries ldd lists to the paths
# it reports, the loader at its ELF interpreter path:
#   libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)
#   /lib64/ld-linux-x86-64.so.2 (0x...)
copy_with_libraries() {
    local binary=$1 rootfs=$2 dest=$3 line lib
    mkdir -p "$rootfs$(dirname "$dest")"
    cp "$binary" "$rootfs$dest"
    while read -r line; do
        lib=""
        if [[ $line =~ =\>\ (/[^ ]+) ]]; then
            lib=${BASH_REMATCH[1]}
        elif [[ $line =~ ^(/[^ ]+)\ \( ]]; then
            lib=${BASH_REMATCH[1]}
        fi
        [[ -n $lib ]] || continue
        mkdir -p "$rootfs$(dirname "$lib")"
        cp -L "$lib" "$rootfs$lib"
    done < <(ldd "$binary" 2>/dev/null || true)
}

# Builds CONTEXT (a Dockerfile and what it copies) as $tag with the legacy
# builder, which needs nothing but the daemon (see scripts/build-image.sh).
build_scratch_image() {
    local context=$1
    DOCKER_BUILDKIT=0 docker_cli build --pull=false -q -t "$tag" "$context" >/dev/null 2>"$context/build.log" ||
        die "docker build failed: $(cat "$context/build.log")"
    log "built $tag"
}
