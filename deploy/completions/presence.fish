function __presence_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __presence_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __presence_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __presence_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __presence_parse_tokens -S
    set -l unparsed_tokens (__presence_tokens -pc)
    switch $unparsed_tokens[1]
    case 'presence'
        __presence_parse_subcommand 0 'container=+' 'all' 'label=+' 'prefix=' 'format=+' 'domain=' 'hostname=' 'address=' 'network=' 'host-ip=' 'host-ip6=' 'etcd-api=' 'etcd-endpoints=' 'etcd-cacert=' 'etcd-cert=' 'etcd-key=' 'etcd-user=' 'etcd-password-file=' 'ttl=' 'interval=' 'resync=' 'ignore-health' 'docker-host=' 'docker-cacert=' 'docker-cert=' 'docker-key=' 'shutdown-timeout=' 'metrics-address=' 'log-level=' 'log-format=' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'list'
            __presence_parse_subcommand -r 1 'etcd-endpoints=' 'etcd-api=' 'etcd-cacert=' 'etcd-cert=' 'etcd-key=' 'etcd-user=' 'etcd-password-file=' 'prefix=' 'hostname=' 'format=' 'domain=' 'output=' 'watch' 'version' 'h/help'
        case 'help'
            __presence_parse_subcommand -r 1 'version'
        end
    end
end

function __presence_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __presence_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __presence_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __presence_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__presence_tokens -p)
    if test -z "$(__presence_tokens -t)"
        set -l index (count (__presence_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'presence' -f
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence"' -l 'container' -d 'Register this container (by name); repeatable. Env: PRESENCE_CONTAINER (comma-separated).' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" all' -l 'all' -d 'Register every container that publishes a port. Env: PRESENCE_ALL (true or false).'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence"' -l 'label' -d 'Register containers with this label (KEY or KEY=VALUE); repeatable, all must match. Env: PRESENCE_LABEL (comma-separated).' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" prefix' -l 'prefix' -d 'Where keys go: an absolute path with no empty or \'..\' segments; {hostname} is replaced. Env: PRESENCE_PREFIX.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence"' -l 'format' -d 'What consumers read: keys (the layout above), json (one key per port holding JSON) or skydns (CoreDNS records, needs --domain); repeatable. Env: PRESENCE_FORMAT (comma-separated). (default: keys)' -rfka 'keys json skydns'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" domain' -l 'domain' -d 'The DNS zone of --format skydns (e.g. containers.example.org); {hostname} is replaced. Env: PRESENCE_DOMAIN.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" hostname' -l 'hostname' -d 'The name {hostname} in --prefix and --domain stands for. Env: PRESENCE_HOSTNAME. (default: this host\'s name)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" address' -l 'address' -d 'What a registration gives consumers: host (the host\'s address and the published port) or container (the container\'s address on a Docker network and the container port, for every exposed port, published or not). Env: PRESENCE_ADDRESS.' -rfka 'host container'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" network' -l 'network' -d 'With --address container, the Docker network whose addresses are registered. Env: PRESENCE_NETWORK. (default: a container\'s presence.network label, else its only network; a container on several networks with neither is skipped with a warning)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" host-ip' -l 'host-ip' -d 'The IPv4 address written for ports bound to 0.0.0.0 or nothing, and for containers on the host\'s network: an address, or an interface of the host whose address is used (eth0), read again on every resync. Env: PRESENCE_HOST_IP. (default: this host\'s address on Docker\'s bridge)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" host-ip6' -l 'host-ip6' -d 'The IPv6 address written for ports bound only to ::, an address or an interface. Without it, the IPv6 gateway of Docker\'s bridge or of the container\'s network; with neither, such ports are skipped with a warning. Env: PRESENCE_HOST_IP6.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" etcd-api' -l 'etcd-api' -d 'The etcd API to write through: v3 (leases) or v2 (TTL directories). Env: PRESENCE_ETCD_API.' -rfka 'v3 v2'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" etcd-endpoints' -l 'etcd-endpoints' -d 'Comma-separated etcd URLs, tried in turn. Env: PRESENCE_ETCD_ENDPOINTS or ETCD_ENDPOINTS. (default: http://127.0.0.1:2379)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" etcd-cacert' -l 'etcd-cacert' -d 'CA certificate (PEM) that signed etcd\'s certificate. Env: PRESENCE_ETCD_CACERT or ETCDCTL_CACERT.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" etcd-cert' -l 'etcd-cert' -d 'Client certificate (PEM) for an etcd with --client-cert-auth; needs --etcd-key. Env: PRESENCE_ETCD_CERT or ETCDCTL_CERT.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" etcd-key' -l 'etcd-key' -d 'Private key (PEM) of --etcd-cert. Env: PRESENCE_ETCD_KEY or ETCDCTL_KEY.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" etcd-user' -l 'etcd-user' -d 'etcd user to authenticate as; its password comes from ETCD_PASSWORD or --etcd-password-file. Env: PRESENCE_ETCD_USER or ETCD_USERNAME.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" etcd-password-file' -l 'etcd-password-file' -d 'File holding the password of --etcd-user (a final newline is ignored). Env: PRESENCE_ETCD_PASSWORD_FILE.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" ttl' -l 'ttl' -d 'Seconds a registration outlives the agent if it is killed; at least 2. Env: PRESENCE_TTL.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" interval' -l 'interval' -d 'Seconds between refreshes of the TTL, each after a check that Docker answers; below --ttl. A failed refresh is retried at once. Env: PRESENCE_INTERVAL. (default: a third of --ttl, so that two failed refreshes still fit in one TTL)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" resync' -l 'resync' -d 'Seconds between full comparisons of Docker with etcd, in case an event was lost; not below --interval. Env: PRESENCE_RESYNC.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" ignore-health' -l 'ignore-health' -d 'Register containers whatever their healthcheck says. Env: PRESENCE_IGNORE_HEALTH (true or false).'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" docker-host' -l 'docker-host' -d 'The Docker Engine API: unix:///path or tcp://host:port (with TLS: DOCKER_TLS_VERIFY, DOCKER_CERT_PATH or --docker-cacert). Env: PRESENCE_DOCKER_HOST or DOCKER_HOST. (default: unix:///var/run/docker.sock)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" docker-cacert' -l 'docker-cacert' -d 'CA certificate (PEM) that signed Docker\'s certificate, for a tcp:// --docker-host with TLS. Env: PRESENCE_DOCKER_CACERT, or ca.pem in DOCKER_CERT_PATH.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" docker-cert' -l 'docker-cert' -d 'Client certificate (PEM) for a dockerd with --tlsverify; needs --docker-key. Env: PRESENCE_DOCKER_CERT, or cert.pem in DOCKER_CERT_PATH.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" docker-key' -l 'docker-key' -d 'Private key (PEM) of --docker-cert. Env: PRESENCE_DOCKER_KEY, or key.pem in DOCKER_CERT_PATH.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" shutdown-timeout' -l 'shutdown-timeout' -d 'Seconds SIGTERM may spend removing keys before exiting 1. Env: PRESENCE_SHUTDOWN_TIMEOUT.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" metrics-address' -l 'metrics-address' -d 'Serve /metrics, /healthz and /readyz on HOST:PORT (e.g. 127.0.0.1:9180); off by default. Env: PRESENCE_METRICS_ADDRESS.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" log-level' -l 'log-level' -d 'trace, debug, info, notice, warning, error or critical. Env: PRESENCE_LOG_LEVEL.' -rfka 'trace debug info notice warning error critical'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" log-format' -l 'log-format' -d 'text, or json for one JSON object per line with every field apart. Env: PRESENCE_LOG_FORMAT.' -rfka 'text json'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" version' -l 'version' -d 'Show the version.'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'presence' -n '__presence_should_offer_completions_for_positional "presence" -eq 1' -fa 'list' -d 'Print the containers and ports registered in etcd.'
complete -c 'presence' -n '__presence_should_offer_completions_for_positional "presence" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" etcd-endpoints' -l 'etcd-endpoints' -d 'Comma-separated etcd URLs, tried in turn. Env: PRESENCE_ETCD_ENDPOINTS or ETCD_ENDPOINTS. (default: http://127.0.0.1:2379)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" etcd-api' -l 'etcd-api' -d 'The etcd API to read through: v3 (leases) or v2 (TTL directories). Env: PRESENCE_ETCD_API.' -rfka 'v3 v2'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" etcd-cacert' -l 'etcd-cacert' -d 'CA certificate (PEM) that signed etcd\'s certificate. Env: PRESENCE_ETCD_CACERT or ETCDCTL_CACERT.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" etcd-cert' -l 'etcd-cert' -d 'Client certificate (PEM) for an etcd with --client-cert-auth; needs --etcd-key. Env: PRESENCE_ETCD_CERT or ETCDCTL_CERT.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" etcd-key' -l 'etcd-key' -d 'Private key (PEM) of --etcd-cert. Env: PRESENCE_ETCD_KEY or ETCDCTL_KEY.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" etcd-user' -l 'etcd-user' -d 'etcd user to authenticate as; its password comes from ETCD_PASSWORD or --etcd-password-file. Env: PRESENCE_ETCD_USER or ETCD_USERNAME.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" etcd-password-file' -l 'etcd-password-file' -d 'File holding the password of --etcd-user (a final newline is ignored). Env: PRESENCE_ETCD_PASSWORD_FILE.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" prefix' -l 'prefix' -d 'Where the keys are: an absolute path; {hostname} is replaced. Env: PRESENCE_PREFIX. (default: /containers)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" hostname' -l 'hostname' -d 'The name {hostname} in --prefix and --domain stands for. Env: PRESENCE_HOSTNAME. (default: this host\'s name)' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" format' -l 'format' -d 'The key layout to read: keys, json or skydns. Env: PRESENCE_FORMAT.' -rfka 'keys json skydns'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" domain' -l 'domain' -d 'The DNS zone of --format skydns, such as svc.example.org; {hostname} is replaced. Env: PRESENCE_DOMAIN.' -rfka ''
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" output' -l 'output' -d 'table (aligned columns) or json. Env: PRESENCE_OUTPUT.' -rfka 'table json'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" watch' -l 'watch' -d 'After the listing, print each change until SIGINT or SIGTERM. Env: PRESENCE_WATCH.'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" version' -l 'version' -d 'Show the version.'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'presence' -n '__presence_should_offer_completions_for_flags_or_options "presence help" version' -l 'version' -d 'Show the version.'
