import Logging
import ServiceLifecycle

/// Follows Docker's event stream and queues every container an event names for reconciliation.
///
/// When the stream ends or fails (dockerd restarted, socket gone) it reconnects with backoff, replays from
/// the last event it saw, and asks for a full resync, so nothing that happened meanwhile is missed.
public struct DockerEventWatcher: Service {
    private let docker: DockerClient
    private let selection: ContainerSelection
    private let queue: WorkQueue
    private let heartbeat: DockerHeartbeat
    private let logger: Logger
    private let metrics: PresenceMetrics

    public init(
        docker: DockerClient, selection: ContainerSelection, queue: WorkQueue, heartbeat: DockerHeartbeat,
        logger: Logger, metrics: PresenceMetrics = .disabled
    ) {
        self.docker = docker
        self.selection = selection
        self.queue = queue
        self.heartbeat = heartbeat
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.follow() }
    }

    private func follow() async {
        var since: String?
        var backoff = Backoff(maximum: .seconds(5))
        var lastFailure: String?
        while !Task.isCancelled {
            do {
                let events = try await docker.events(since: since)
                heartbeat.beat()
                if lastFailure != nil {
                    logger.notice("Docker's event stream is back; resyncing")
                    metrics.eventStreamReconnected()
                }
                lastFailure = nil
                backoff.reset()
                queue.requestResync()
                for try await message in events {
                    heartbeat.beat()
                    switch message {
                    case .event(let event):
                        metrics.dockerEvent(action: event.action)
                        since = event.resumeToken
                        if let id = event.affectedContainer {
                            if event.provesNotServing {
                                queue.add(notServing: id)
                            } else {
                                queue.add(container: id, onlyIfRegistered: !event.mightSelect(selection))
                            }
                        }
                    case .malformed(let reason):
                        logger.warning("skipped part of Docker's event stream: \(reason); resyncing")
                        queue.requestResync()
                    }
                }
                if Task.isCancelled { return }
                lastFailure = "Docker closed the event stream"
                logger.warning("Docker closed the event stream; reconnecting")
                await docker.forgetVersion()
            } catch {
                if Task.isCancelled { return }
                let message = String(describing: error)
                logger.log(level: message == lastFailure ? .debug : .warning, "\(message); reconnecting")
                lastFailure = message
            }
            try? await Task.sleep(for: backoff.next())
        }
    }
}
