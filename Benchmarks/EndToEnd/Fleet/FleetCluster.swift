import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PresenceTestSupport

/// The fleet's three-member etcd cluster on loopback (the test support's EtcdCluster) and the faults the
/// scenarios put it through: its leader killed, all of it restarted with its data, or without.
final class FleetCluster: Sendable {
    let cluster: EtcdCluster
    private let client: HTTPClient

    init(client: HTTPClient) throws {
        cluster = try EtcdCluster()
        self.client = client
    }

    var members: [EtcdCluster.Member] { cluster.members }
    var endpoints: [String] { cluster.members.map(\.endpoint) }

    func startAll() async throws { try await cluster.startAll() }

    /// SIGKILLs the leader and returns it, or nil when no member says it leads.
    func killLeader() async throws -> EtcdCluster.Member? {
        guard let leader = try await cluster.leader() else { return nil }
        cluster.kill(leader)
        return leader
    }

    func restart(_ member: EtcdCluster.Member) async throws { try await cluster.start(member) }

    /// SIGKILLs every member: the whole cluster goes at once, as in a power cut.
    func killAll() {
        for member in members { cluster.kill(member) }
    }

    /// Removes the members' data (the logs stay), so the next start makes a new, empty cluster.
    func wipe() {
        for member in members { try? FileManager.default.removeItem(atPath: "\(cluster.directory)/\(member.name)") }
    }

    /// The pids of the members' etcd processes, by name, found by their data directories on their command lines
    /// (EtcdCluster keeps its processes to itself).
    func pids() -> [String: Int32] {
        let byDirectory = Dictionary(uniqueKeysWithValues: members.map { ("\(cluster.directory)/\($0.name)", $0.name) })
        var pids: [String: Int32] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                cmdline.count < 4096
            else { continue }
            let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let flag = arguments.firstIndex(of: "--data-dir"), flag + 1 < arguments.count,
                let name = byDirectory[arguments[flag + 1]], arguments.first?.hasSuffix("etcd") == true
            else { continue }
            pids[name] = pid
        }
        return pids
    }

    /// A member's metrics, or nil when it does not answer within `timeout` (stopped, or too busy).
    func metrics(_ member: EtcdCluster.Member, timeout: Duration = .milliseconds(900)) async -> MemberMetrics? {
        do {
            let response = try await client.execute(
                HTTPClientRequest(url: member.endpoint + "/metrics"), timeout: .init(timeout))
            guard response.status == .ok else { return nil }
            return MemberMetrics(String(buffer: try await response.body.collect(upTo: 8 << 20)))
        } catch {
            return nil
        }
    }

    /// Stops everything the cluster runs and removes its directory.
    func remove() {
        killAll()
        try? FileManager.default.removeItem(atPath: cluster.directory)
    }
}
