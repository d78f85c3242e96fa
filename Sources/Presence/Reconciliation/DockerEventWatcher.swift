import Logging
import ServiceLifecycle

/// Follows Docker's event stream and queues every container an event names for reconciliation.
///
/// When the stream ends or fails (dockerd restarted, socket gone) it reconnects with backoff, replays from
/// the last event it saw, and asks for a full resync, so nothing that happened meanwhile is missed.
///
/// A stream that sends nothing for `silenceBound` is reconnected at once, replaying from the last event it saw
/// (or from when it opened): a connection that died without closing looks just like a quiet Docker, and the
/// replay loses nothing, so no resync is asked for. The periodic resync remains the safety net.
public struct DockerEventWatcher: Service {
    /// How long the stream may send nothing. Docker sends nothing while nothing happens, so this is not an error
    /// bound but how stale a dead connection may leave the agent; a reconnect every minute on a quiet host is cheap.
    public static let defaultSilenceBound: Duration = .seconds(60)

    private let docker: any DockerEventSource
    private let selection: ContainerSelection
    private let inspectsOnNetworkEvents: Bool
    private let queue: WorkQueue
    private let heartbeat: DockerHeartbeat
    private let logger: Logger
    private let metrics: PresenceMetrics
    private let silenceBound: Duration
    private let clock: any Clock<Duration>

    /// - Parameter inspectsOnNetworkEvents: inspect any container a network is connected to or disconnected
    ///   from, not only those registered: with container addresses, a container skipped for being on several
    ///   networks may have one left.
    /// - Parameter silenceBound: how long the stream may send nothing before it is reopened.
    /// - Parameter clock: what the backoff between reconnections waits on.
    public init(
        docker: any DockerEventSource, selection: ContainerSelection, inspectsOnNetworkEvents: Bool = false,
        queue: WorkQueue, heartbeat: DockerHeartbeat, logger: Logger, metrics: PresenceMetrics = .disabled,
        silenceBound: Duration = defaultSilenceBound, clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.docker = docker
        self.selection = selection
        self.inspectsOnNetworkEvents = inspectsOnNetworkEvents
        self.queue = queue
        self.heartbeat = heartbeat
        self.logger = logger
        self.metrics = metrics
        self.silenceBound = silenceBound
        self.clock = clock
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Each stream's body is read by a task of this group (see SilenceBoundedChunks) while it is followed.
            await withDiscardingTaskGroup { readers in
                await self.follow(readers: &readers)
                readers.cancelAll()
            }
        }
    }

    private func follow(readers: inout DiscardingTaskGroup) async {
        var since: String?
        var failures = FailureStreak(backoff: Backoff(maximum: .seconds(5)))
        var resync = true
        // After a silent stream is reopened, until the replay is over.
        var replay: SilenceReplay?
        while !Task.isCancelled {
            // Where a stream that falls silent before its first event resumes: when it was opened, by Docker's
            // clock (not from the stream's own head, which Podman sends only with the first event).
            var opened: String?
            let delay: Duration
            do {
                if since == nil { opened = try await docker.resumeTokenForNow() }
                let stream = try await docker.events(since: since, silenceBound: silenceBound)
                let (events, reader) = stream.messages(silentAfter: silenceBound)
                readers.addTask { await reader.run() }
                heartbeat.beat()
                if failures.recovered() {
                    logger.notice("Docker's event stream is back; resyncing")
                    metrics.eventStreamReconnected()
                }
                if resync { queue.requestResync() }
                resync = true
                for try await message in events {
                    heartbeat.beat()
                    switch message {
                    case .event(let event):
                        metrics.dockerEvent(action: event.action)
                        let verdict = replay?.judge(event) ?? .live
                        since = event.resumeToken
                        switch verdict {
                        case .live: replay = nil
                        case .seen: continue
                        case .replayed(let provesALoss): if provesALoss { queue.requestResync() }
                        }
                        guard let id = event.affectedContainer else { continue }
                        if event.provesNotServing && verdict == .live {
                            queue.add(notServing: id)
                        } else if event.provesNotServing {
                            // Replayed, it may be stale (a pause undone since): the inspect tells.
                            queue.add(container: id, onlyIfRegistered: true)
                        } else {
                            let mightSelect =
                                event.mightSelect(selection) || (inspectsOnNetworkEvents && event.type == "network")
                            queue.add(container: id, onlyIfRegistered: !mightSelect)
                        }
                    case .malformed(let reason):
                        logger.warning("skipped part of Docker's event stream: \(reason); resyncing")
                        queue.requestResync()
                    }
                }
                if Task.isCancelled { return }
                logger.warning("Docker closed the event stream; reconnecting")
                delay = failures.failed("Docker closed the event stream").delay
                await docker.forgetVersion()
            } catch let silence as StreamSilence {
                if Task.isCancelled { return }
                // No event came at all: the replay goes from the opening, a second before Docker's clock then.
                since = since ?? opened
                // Without a point to replay from, only a resync can tell what was missed.
                resync = since == nil
                if let since, let now = try? await docker.resumeTokenForNow(), let seconds = Int64(now) {
                    // `now` is a second before Docker's clock: two seconds on is surely after the reopening.
                    replay = SilenceReplay(resumedFrom: since, before: (seconds + 2) * 1_000_000_000)
                }
                let replay = since.map { "replaying events since \($0)" } ?? "with a resync"
                logger.debug(
                    "Docker's event stream sent nothing for \(Int(silence.bound.seconds)) s; reconnecting, \(replay)")
                continue
            } catch {
                if Task.isCancelled { return }
                resync = true
                let message = String(describing: error)
                let failure = failures.failed(message)
                logger.log(level: failure.isNew ? .warning : .debug, "\(message); reconnecting")
                delay = failure.delay
            }
            try? await clock.sleep(for: delay)
        }
    }
}
