import Foundation
import NIOCore
import Synchronization

/// One simulated Docker host: its containers, its recent events (replayed to `since`) and its open event
/// streams. Connections of its socket are served on NIO's threads while the driver stops and starts
/// containers, so the state sits behind a mutex.
final class SimulatedHost: Sendable {
    /// How many events dockerd keeps for replay: its events buffer holds the last 256.
    static let replayedEvents = 256

    struct State {
        var containers: [SimulatedContainer]
        var events: [SimulatedEvent] = []
        var subscribers: [ObjectIdentifier: EventSubscriber] = [:]
    }

    let index: Int
    let hostname: String
    let socketPath: String
    /// The default bridge's gateway and subnet: a loopback /24 of this host's own (127.77.H.0/24 for host H below 256),
    /// which the agent registers for ports bound to 0.0.0.0, so each host's keys differ and nothing leaves the
    /// machine.
    let gateway: String
    let subnet: String
    private let state: Mutex<State>

    init(index: Int, containers: Int, directory: String) {
        self.index = index
        hostname = String(format: "host-%03d", index)
        socketPath = directory + "/" + hostname + ".sock"
        let base = "127.\(77 + index / 256).\(index % 256)."
        gateway = base + "1"
        subnet = base + "0/24"
        state = Mutex(
            State(
                containers: (1...max(1, containers)).map {
                    SimulatedContainer(host: index, number: $0, subnetBase: base)
                }))
    }

    /// The running containers, in name order.
    var running: [SimulatedContainer] {
        state.withLock { $0.containers.filter(\.running) }
    }

    /// The container with this id, id prefix or name (with or without its slash), as Docker looks them up.
    func container(_ reference: String) -> SimulatedContainer? {
        let name = reference.hasPrefix("/") ? String(reference.dropFirst()) : reference
        return state.withLock { state in
            state.containers.first { $0.id == reference || $0.name == name }
                ?? (reference.count >= 12 ? state.containers.first { $0.id.hasPrefix(reference) } : nil)
        }
    }

    /// Stops (`die`) or starts (`start`) the container `number` (1-based) and streams the event.
    func set(container number: Int, running: Bool, now: Int) {
        state.withLock { state in
            guard state.containers.indices.contains(number - 1), state.containers[number - 1].running != running
            else { return }
            state.containers[number - 1].running = running
            let event = SimulatedEvent(
                action: running ? "start" : "die", container: state.containers[number - 1], timeNano: now)
            state.events.append(event)
            if state.events.count > Self.replayedEvents {
                state.events.removeFirst(state.events.count - Self.replayedEvents)
            }
            for subscriber in state.subscribers.values { subscriber.send(event) }
        }
    }

    /// Registers an event stream, replaying first the kept events from `since` on (dockerd's rule: an event
    /// stamped at `since` itself is replayed too). Under the lock, so no event falls between replay and stream.
    func subscribe(_ subscriber: EventSubscriber, since: Int?) {
        state.withLock { state in
            if let since {
                for event in state.events where event.timeNano >= since { subscriber.send(event) }
            }
            state.subscribers[ObjectIdentifier(subscriber.channel)] = subscriber
        }
    }

    func unsubscribe(_ channel: any Channel) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The number of open event streams, to see that every agent follows its host.
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// The keys an agent run with `--all --hostname HOST --prefix /hosts/{hostname}/containers` must hold for
    /// this host, from the layout README.md and docs/FORMATS.md document (not from the agent's code): per
    /// published tcp port, `{prefix}/{name}/{port}/host` (the binding's address, or the bridge's gateway for
    /// 0.0.0.0) and `{prefix}/{name}/{port}/port` (the host port in decimal).
    var expectedKeys: [String: String] {
        var keys: [String: String] = [:]
        for container in running {
            for port in container.ports {
                let key = "/hosts/\(hostname)/containers/\(container.name)/\(port.containerPort)"
                keys[key + "/host"] = port.hostIP == "0.0.0.0" ? gateway : port.hostIP
                keys[key + "/port"] = String(port.hostPort)
            }
        }
        return keys
    }
}
