import ArgumentParser
import Presence

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The agent's validated configuration from the parsed options, their variables and the older ones.
extension PresenceCommand {
    func agentConfiguration() throws -> AgentConfiguration {
        do {
            let resolvedDockerHost = try DockerHost(
                dockerHost ?? environment("DOCKER_HOST") ?? "unix:///var/run/docker.sock")
            let configuration = try AgentConfiguration(
                selection: ContainerSelection(
                    names: containers, all: all, labels: labels.map(ContainerSelection.LabelRequirement.init)),
                prefix: prefix,
                formats: formats,
                domain: domain,
                hostname: hostname ?? systemHostname(),
                hostIP: hostIP,
                hostIP6: hostIP6,
                address: address,
                network: network,
                etcdAPI: etcdAPI,
                etcdEndpoints: try EtcdEndpoint.list(
                    etcdEndpoints ?? environment("ETCD_ENDPOINTS") ?? "http://127.0.0.1:2379"),
                etcdTLS: try etcdSecurity.tls(environment: environment),
                etcdCredentials: try etcdSecurity.credentials(environment: environment),
                ttl: ttl,
                interval: try interval.map { try seconds($0, option: "--interval") },
                resync: try seconds(resync, option: "--resync"),
                ignoreHealth: ignoreHealth,
                dockerHost: resolvedDockerHost,
                dockerTLS: try dockerSecurity.tls(host: resolvedDockerHost, environment: environment),
                shutdownTimeout: try seconds(shutdownTimeout, option: "--shutdown-timeout"),
                metricsAddress: metricsAddress
            )
            try configuration.hostIP?.checkInterfaceExists(.ipv4)
            try configuration.hostIP6?.checkInterfaceExists(.ipv6)
            return configuration
        } catch let error as ConfigurationError {
            throw ValidationError(error.message)
        }
    }

    func environment(_ name: String) -> String? {
        Self.environment(name)
    }

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    func seconds(_ value: Double, option: String) throws -> Duration {
        guard value.isFinite, value > 0, value < 86_400 * 365 else {
            throw ConfigurationError("\(option) must be a number of seconds above 0, not \(value)")
        }
        return .milliseconds(Int64(value * 1000))
    }
}
