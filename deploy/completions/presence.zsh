#compdef presence

__presence_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__presence_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __presence_complete "${completions[@]:0:-1}"
    fi
}

__presence_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_presence() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar ___format=('keys' 'json' 'skydns')
    local -ar ___address=('host' 'container')
    local -ar ___etcd_api=('v3' 'v2')
    local -ar ___log_level=('trace' 'debug' 'info' 'notice' 'warning' 'error' 'critical')
    local -ar ___log_format=('text' 'json')
    local -ar arg_specs=(
        '*--container[Register this container (by name); repeatable. Env\: PRESENCE_CONTAINER (comma-separated).]:container:'
        '--all[Register every container that publishes a port. Env\: PRESENCE_ALL (true or false).]'
        '*--label[Register containers with this label (KEY or KEY=VALUE); repeatable, all must match. Env\: PRESENCE_LABEL (comma-separated).]:label:'
        '--prefix[Where keys go\: an absolute path with no empty or '\''..'\'' segments; {hostname} is replaced. Env\: PRESENCE_PREFIX.]:prefix:'
        '*--format[What consumers read\: keys (the layout above), json (one key per port holding JSON) or skydns (CoreDNS records, needs --domain); repeatable. Env\: PRESENCE_FORMAT (comma-separated). (default\: keys)]:format:{__presence_complete "${___format[@]}"}'
        '--domain[The DNS zone of --format skydns (e.g. containers.example.org); {hostname} is replaced. Env\: PRESENCE_DOMAIN.]:domain:'
        '--hostname[The name {hostname} in --prefix and --domain stands for. Env\: PRESENCE_HOSTNAME. (default\: this host'\''s name)]:hostname:'
        '--address[What a registration gives consumers\: host (the host'\''s address and the published port) or container (the container'\''s address on a Docker network and the container port, for every exposed port, published or not). Env\: PRESENCE_ADDRESS.]:mode:{__presence_complete "${___address[@]}"}'
        '--network[With --address container, the Docker network whose addresses are registered. Env\: PRESENCE_NETWORK. (default\: a container'\''s presence.network label, else its only network; a container on several networks with neither is skipped with a warning)]:network:'
        '--host-ip[The IPv4 address written for ports bound to 0.0.0.0 or nothing, and for containers on the host'\''s network\: an address, or an interface of the host whose address is used (eth0), read again on every resync. Env\: PRESENCE_HOST_IP. (default\: this host'\''s address on Docker'\''s bridge)]:address-or-interface:'
        '--host-ip6[The IPv6 address written for ports bound only to \:\:, an address or an interface. Without it, the IPv6 gateway of Docker'\''s bridge or of the container'\''s network; with neither, such ports are skipped with a warning. Env\: PRESENCE_HOST_IP6.]:address-or-interface:'
        '--etcd-api[The etcd API to write through\: v3 (leases) or v2 (TTL directories). Env\: PRESENCE_ETCD_API.]:etcd-api:{__presence_complete "${___etcd_api[@]}"}'
        '--etcd-endpoints[Comma-separated etcd URLs, tried in turn. Env\: PRESENCE_ETCD_ENDPOINTS or ETCD_ENDPOINTS. (default\: http\://127.0.0.1\:2379)]:etcd-endpoints:'
        '--etcd-cacert[CA certificate (PEM) that signed etcd'\''s certificate. Env\: PRESENCE_ETCD_CACERT or ETCDCTL_CACERT.]:path:'
        '--etcd-cert[Client certificate (PEM) for an etcd with --client-cert-auth; needs --etcd-key. Env\: PRESENCE_ETCD_CERT or ETCDCTL_CERT.]:path:'
        '--etcd-key[Private key (PEM) of --etcd-cert. Env\: PRESENCE_ETCD_KEY or ETCDCTL_KEY.]:path:'
        '--etcd-user[etcd user to authenticate as; its password comes from ETCD_PASSWORD or --etcd-password-file. Env\: PRESENCE_ETCD_USER or ETCD_USERNAME.]:name:'
        '--etcd-password-file[File holding the password of --etcd-user (a final newline is ignored). Env\: PRESENCE_ETCD_PASSWORD_FILE.]:path:'
        '--ttl[Seconds a registration outlives the agent if it is killed; at least 2. Env\: PRESENCE_TTL.]:ttl:'
        '--interval[Seconds between refreshes of the TTL, each after a check that Docker answers; below --ttl. A failed refresh is retried at once. Env\: PRESENCE_INTERVAL. (default\: a third of --ttl, so that two failed refreshes still fit in one TTL)]:interval:'
        '--resync[Seconds between full comparisons of Docker with etcd, in case an event was lost; not below --interval. Env\: PRESENCE_RESYNC.]:resync:'
        '--ignore-health[Register containers whatever their healthcheck says. Env\: PRESENCE_IGNORE_HEALTH (true or false).]'
        '--docker-host[The Docker Engine API\: unix\:///path or tcp\://host\:port (with TLS\: DOCKER_TLS_VERIFY, DOCKER_CERT_PATH or --docker-cacert). Env\: PRESENCE_DOCKER_HOST or DOCKER_HOST. (default\: unix\:///var/run/docker.sock)]:docker-host:'
        '--docker-cacert[CA certificate (PEM) that signed Docker'\''s certificate, for a tcp\:// --docker-host with TLS. Env\: PRESENCE_DOCKER_CACERT, or ca.pem in DOCKER_CERT_PATH.]:path:'
        '--docker-cert[Client certificate (PEM) for a dockerd with --tlsverify; needs --docker-key. Env\: PRESENCE_DOCKER_CERT, or cert.pem in DOCKER_CERT_PATH.]:path:'
        '--docker-key[Private key (PEM) of --docker-cert. Env\: PRESENCE_DOCKER_KEY, or key.pem in DOCKER_CERT_PATH.]:path:'
        '--shutdown-timeout[Seconds SIGTERM may spend removing keys before exiting 1. Env\: PRESENCE_SHUTDOWN_TIMEOUT.]:shutdown-timeout:'
        '--metrics-address[Serve /metrics, /healthz and /readyz on HOST\:PORT (e.g. 127.0.0.1\:9180); off by default. Env\: PRESENCE_METRICS_ADDRESS.]:metrics-address:'
        '--log-level[trace, debug, info, notice, warning, error or critical. Env\: PRESENCE_LOG_LEVEL.]:log-level:{__presence_complete "${___log_level[@]}"}'
        '--log-format[text, or json for one JSON object per line with every field apart. Env\: PRESENCE_LOG_FORMAT.]:log-format:{__presence_complete "${___log_format[@]}"}'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'list:Print the containers and ports registered in etcd.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        list|help)
            "_presence_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_presence_list() {
    local -i ret=1
    local -ar ___etcd_api=('v3' 'v2')
    local -ar ___format=('keys' 'json' 'skydns')
    local -ar ___output=('table' 'json')
    local -ar arg_specs=(
        '--etcd-endpoints[Comma-separated etcd URLs, tried in turn. Env\: PRESENCE_ETCD_ENDPOINTS or ETCD_ENDPOINTS. (default\: http\://127.0.0.1\:2379)]:etcd-endpoints:'
        '--etcd-api[The etcd API to read through\: v3 (leases) or v2 (TTL directories). Env\: PRESENCE_ETCD_API.]:etcd-api:{__presence_complete "${___etcd_api[@]}"}'
        '--etcd-cacert[CA certificate (PEM) that signed etcd'\''s certificate. Env\: PRESENCE_ETCD_CACERT or ETCDCTL_CACERT.]:path:'
        '--etcd-cert[Client certificate (PEM) for an etcd with --client-cert-auth; needs --etcd-key. Env\: PRESENCE_ETCD_CERT or ETCDCTL_CERT.]:path:'
        '--etcd-key[Private key (PEM) of --etcd-cert. Env\: PRESENCE_ETCD_KEY or ETCDCTL_KEY.]:path:'
        '--etcd-user[etcd user to authenticate as; its password comes from ETCD_PASSWORD or --etcd-password-file. Env\: PRESENCE_ETCD_USER or ETCD_USERNAME.]:name:'
        '--etcd-password-file[File holding the password of --etcd-user (a final newline is ignored). Env\: PRESENCE_ETCD_PASSWORD_FILE.]:path:'
        '--prefix[Where the keys are\: an absolute path; {hostname} is replaced. Env\: PRESENCE_PREFIX. (default\: /containers)]:prefix:'
        '--hostname[The name {hostname} in --prefix and --domain stands for. Env\: PRESENCE_HOSTNAME. (default\: this host'\''s name)]:hostname:'
        '--format[The key layout to read\: keys, json or skydns. Env\: PRESENCE_FORMAT.]:format:{__presence_complete "${___format[@]}"}'
        '--domain[The DNS zone of --format skydns, such as svc.example.org; {hostname} is replaced. Env\: PRESENCE_DOMAIN.]:domain:'
        '--output[table (aligned columns) or json. Env\: PRESENCE_OUTPUT.]:output:{__presence_complete "${___output[@]}"}'
        '--watch[After the listing, print each change until SIGINT or SIGTERM. Env\: PRESENCE_WATCH.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_presence_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _presence ]]; then
    _presence "${@}"
else
    compdef _presence presence
fi
