import AsyncHTTPClient
import Foundation
import Logging
import PresenceTestSupport
import Testing

@testable import Presence

/// The v2 store against a real etcd (the shared one runs with `--enable-v2`): every key carries the TTL, a
/// keep-alive fires no watcher, and a write etcd applies after its directory is gone does not outlive the agent.
@Suite("The v2 store against a real etcd", .timeLimit(.minutes(3)))
struct EtcdV2StoreTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    static func store(prefix: String, ttl: Int) throws -> EtcdV2Store {
        let logger = Logger(label: "store-test") { _ in SwiftLogNoOpLogHandler() }
        let transport = EtcdTransport(
            endpoints: [try EtcdEndpoint(try TestEnvironment.etcd())], httpClient: .shared, timeout: .seconds(5),
            logger: logger)
        return EtcdV2Store(transport: transport, layout: try KeyLayout(prefix: prefix), ttl: ttl, logger: logger)
    }

    /// A key PUT as the store sends it (`ttl=` on the key), landing whenever the test says: a late write.
    func latePut(_ key: String, _ value: String, ttl: Int) async throws {
        try await shell([
            "curl", "-sf", "-XPUT", "\(try TestEnvironment.etcd())/v2/keys\(key)?ttl=\(ttl)", "--data-urlencode",
            "value=\(value)",
        ])
    }

    /// `curl ...?wait=true&recursive=true` on `directory` for `seconds`: what a watcher would have been told.
    func watch(_ directory: String, seconds: Int) async throws -> String {
        try await shell(
            [
                "curl", "-s", "-m", String(seconds),
                "\(try TestEnvironment.etcd())/v2/keys\(directory)?wait=true&recursive=true",
            ],
            allowFailure: true)
    }

    /// Keep-alives go on for twice the TTL: the keys survive only through them, and the watcher hears nothing;
    /// the same watcher does hear the container leave.
    @Test func aKeepAliveFiresNoWatcher() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("quiet")
        try await docker.start(name, ports: ["80", "53/udp"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: .v2, ttl: 5, interval: 1)
        let host = try await docker.expectedHostIP()
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: host)
        #expect(expected.count == 4)
        let registered = try await eventually { try await etcd.v2Keys(under: prefix) == expected }
        #expect(registered != nil, "\(agent.log)")
        for key in expected.keys {
            let node = try #require(try await etcd.v2Node(key))
            let ttl = try #require(node["ttl"] as? Int, "\(key) carries no TTL: \(node)")
            #expect(ttl > 0 && ttl <= 5)
        }

        let heard = try await watch(prefix, seconds: 11)
        #expect(heard.isEmpty, "a keep-alive fired the watcher: \(heard)")
        #expect(try await etcd.v2Keys(under: prefix) == expected, "kept alive through 11 s with a TTL of 5 s")

        async let leaving = watch(prefix, seconds: 20)
        try await Task.sleep(for: .milliseconds(500))
        try await docker.docker(["stop", "-t", "0", name])
        let heardLeaving = try await leaving
        #expect(heardLeaving.contains("\"action\":\"delete\""), "the watcher works: \(heardLeaving)")
        #expect(try await agent.terminate().status == 0)
    }

    /// What etcd does with a key PUT after its directory is gone: it creates the parents as permanent
    /// directories. The key's own TTL removes the key, not them; a refresh gives them the TTL.
    @Test func aLateKeyLeavesPermanentParentsUntilARefreshGivesThemATTL() async throws {
        let prefix = uniquePrefix()
        let etcdURL = try TestEnvironment.etcd()
        try await latePut("\(prefix)/late/80/host", "192.0.2.1", ttl: 1)
        let parent = try #require(try await etcd.v2Node("\(prefix)/late"))
        #expect(parent["dir"] as? Bool == true && parent["ttl"] == nil, "created without a TTL: \(parent)")
        let keyGone = try await eventually(timeout: .seconds(30)) {
            try await etcd.v2Node("\(prefix)/late/80/host") == nil
        }
        #expect(keyGone != nil)
        #expect(try await etcd.v2Node("\(prefix)/late") != nil, "the empty parents outlive their key")
        #expect(try await etcd.v2Node("\(prefix)/late/80") != nil)
        guard try await etcd.renewsDirectoryTTL() else {
            // etcd 3.5: no directory can be given a TTL; the agent deletes such parents instead (next test).
            let refused = try await shell(
                [
                    "curl", "-s", "-XPUT",
                    "\(etcdURL)/v2/keys\(prefix)/late?dir=true&ttl=5&refresh=true&prevExist=true",
                ])
            #expect(refused.contains("Not a file"), "\(refused)")
            return
        }
        try await shell([
            "curl", "-sf", "-XPUT", "\(etcdURL)/v2/keys\(prefix)/late?dir=true&ttl=5&refresh=true&prevExist=true",
        ])
        let refreshed = try #require(try await etcd.v2Node("\(prefix)/late"))
        #expect((refreshed["ttl"] as? Int).map { $0 > 0 && $0 <= 5 } == true, "\(refreshed)")
        let parentsGone = try await eventually(timeout: .seconds(30)) { try await etcd.v2Node("\(prefix)/late") == nil }
        #expect(parentsGone != nil, "with the TTL, the parents expire")
    }

    /// The agent removes a stopped container; a write of it lands late. The agent gives the recreated
    /// directory the TTL, so once the agent is killed everything expires within one TTL.
    @Test func aLateWriteExpiresWithinATTLOnceTheAgentIsGone() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("late")
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        // TTL 15 s: the agent watches a deleted directory for one TTL; the late write lands well within it.
        let agent = try AgentProcess.start(container: [name], prefix: prefix, api: .v2, ttl: 15, interval: 1)
        #expect(try await eventually { try await etcd.v2Keys(under: prefix).count == 2 } != nil, "\(agent.log)")
        try await docker.docker(["stop", "-t", "0", name])
        #expect(try await eventually { try await etcd.v2Node("\(prefix)/\(name)") == nil } != nil, "\(agent.log)")

        // etcd 3.4: the agent gives the directory the TTL; 3.5 can give a directory none, so it deletes it (at
        // once: its log line tells that the late write had recreated it).
        let renews = try await etcd.renewsDirectoryTTL()
        try await latePut("\(prefix)/\(name)/80/host", "192.0.2.1", ttl: 15)
        if renews {
            #expect(try await etcd.v2Node("\(prefix)/\(name)/80/host") != nil, "the late write recreated the directory")
        }
        let settled = try await eventually(timeout: .seconds(30)) {
            let directory = try await etcd.v2Node("\(prefix)/\(name)")
            return renews ? directory?["ttl"] != nil : directory == nil
        }
        #expect(settled != nil, "the agent settles it: \(agent.log.suffix(2000))")
        // The agent logs once etcd has answered its deletion or refresh, so the line may follow what etcd shows.
        let logged = try await eventually { agent.log.contains("recreated a deleted directory") }
        #expect(logged != nil, "\(agent.log.suffix(2000))")

        agent.signal(SIGKILL)
        _ = try await agent.waitForExit()
        let gone = try await eventually(timeout: .seconds(60)) { try await etcd.v2Node("\(prefix)/\(name)") == nil }
        #expect(gone != nil, "directory, port directory and key expire within the TTL of 15 s")
    }

    /// At shutdown the store deletes again a directory it deleted before, in case a late write recreated it.
    @Test func removeAllDeletesWhatALateWriteRecreated() async throws {
        let prefix = uniquePrefix()
        let store = try Self.store(prefix: prefix, ttl: 600)
        let keys = ["\(prefix)/web/80/host": "192.0.2.1", "\(prefix)/web/80/port": "8080"]
        try await store.write(container: "web", keys: keys, plan: RegistrationPlan(puts: keys), isFirstWrite: true)
        #expect(try await etcd.v2Keys(under: prefix) == keys)
        try await store.remove(container: "web")
        #expect(try await etcd.v2Node("\(prefix)/web") == nil)
        try await latePut("\(prefix)/web/80/port", "8080", ttl: 600)
        #expect(try await etcd.v2Keys(under: prefix) == ["\(prefix)/web/80/port": "8080"])
        try await store.removeAll(containers: [])
        #expect(try await etcd.v2Node("\(prefix)/web") == nil, "gone at once, with a TTL of 600 s")
    }

    /// A key that went missing is noticed at the next keep-alive and the registration written again.
    @Test func aKeepAliveNoticesAMissingKey() async throws {
        let prefix = uniquePrefix()
        let store = try Self.store(prefix: prefix, ttl: 600)
        let keys = ["\(prefix)/web/80/host": "192.0.2.1", "\(prefix)/web/80/port": "8080"]
        try await store.write(container: "web", keys: keys, plan: RegistrationPlan(puts: keys), isFirstWrite: true)
        #expect(try await store.keepAlive(containers: ["web"]).isEmpty)
        try await shell(["curl", "-sf", "-XDELETE", "\(try TestEnvironment.etcd())/v2/keys\(prefix)/web/80/port"])
        #expect(try await store.keepAlive(containers: ["web"]) == ["web"])
        try await store.removeAll(containers: ["web"])
        #expect(try await etcd.v2Node("\(prefix)/web") == nil)
    }
}
