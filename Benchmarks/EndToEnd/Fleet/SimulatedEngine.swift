import NIOCore
import NIOHTTP1
import NIOPosix

/// The simulated Docker Engine: one process serving many simulated hosts, each on its own unix socket with its
/// own containers, so that hundreds of real agents run without hundreds of dockerds. It is the fleet's one
/// stand-in; etcd and the agents are real.
final class SimulatedEngine: Sendable {
    let hosts: [SimulatedHost]
    private let group: MultiThreadedEventLoopGroup
    private let channels: [any Channel]

    /// Binds a socket per host in `directory` (which must be short: a unix socket's path has at most 107 bytes).
    init(hosts count: Int, containersPerHost: Int, directory: String) async throws {
        hosts = (1...count).map { SimulatedHost(index: $0, containers: containersPerHost, directory: directory) }
        // Its own threads, not the singleton the driver's HTTP client uses, so a busy fleet does not delay the
        // driver's one-second samples.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var channels: [any Channel] = []
        for host in hosts {
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(SimulatedEngineHandler(host: host))
                    }
                }
            channels.append(
                try await bootstrap.bind(unixDomainSocketPath: host.socketPath, cleanupExistingSocketFile: true).get())
        }
        self.channels = channels
    }

    /// The docker host URL of a host, as the agent's `--docker-host` takes it.
    func dockerHost(_ host: SimulatedHost) -> String { "unix://" + host.socketPath }

    /// Every key the fleet's agents must hold now.
    var expectedKeys: [String: String] {
        hosts.reduce(into: [:]) { keys, host in keys.merge(host.expectedKeys) { $1 } }
    }

    /// Closes the listening sockets and every connection, then the threads.
    func stop() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}
