import Foundation
import PresenceTestSupport
import Testing

/// `presence list --watch` when a watch message is larger than usual or the stream falls silent: every change
/// reaches the screen and no stale row stays there.
@Suite("presence list --watch keeps the screen true", .timeLimit(.minutes(3)))
struct ListWatchRecoveryTests {
    /// Registrations written in one revision with 1.3 MB of other keys, so the watch message that carries them
    /// is over 1 MiB (1.8 MB as the gateway's JSON), under etcd's default request limit of 1.5 MiB.
    @Test func aRevisionOverOneMebibyteIsShownAndItsRowsVanishWhenDeleted() async throws {
        let endpoint = try TestEnvironment.etcd()
        let prefix = uniquePrefix()
        let watch = try AgentProcess(["list", "--watch", "--prefix", prefix, "--etcd-endpoints", endpoint])
        defer { watch.signal(SIGKILL) }
        #expect(
            try await eventually { watch.log.contains("nothing registered under \(prefix)") } != nil, "\(watch.log)")
        let blob = String(repeating: "x", count: 100_000)
        var added = EtcdTransaction(endpoint: endpoint)
        added.put("\(prefix)/web/80/host", "10.0.0.5")
        added.put("\(prefix)/web/80/port", "8080")
        added.put("\(prefix)/db/53-udp/host", "10.0.0.6")
        added.put("\(prefix)/db/53-udp/port", "5353")
        for index in 0..<13 { added.put("\(prefix)/blob-\(index)", blob) }
        try await added.commit()
        let shown = try await eventually {
            watch.log.contains("+ web 80/tcp 10.0.0.5 8080") && watch.log.contains("+ db 53/udp 10.0.0.6 5353")
        }
        #expect(shown != nil, "\(watch.log)")

        var removed = EtcdTransaction(endpoint: endpoint)
        removed.delete(prefix: "\(prefix)/web/")
        for index in 0..<13 { removed.put("\(prefix)/blob-\(index)", blob + "y") }
        try await removed.commit()
        #expect(try await eventually { watch.log.contains("- web 80/tcp") } != nil, "\(watch.log)")
        #expect(!watch.log.contains("- db"), "\(watch.log)")
        #expect(!watch.log.contains("reading the registry again"), "the large messages were read, not dropped")
        #expect(try await watch.terminate().status == 0, "\(watch.log)")
        var cleanup = EtcdTransaction(endpoint: endpoint)
        cleanup.delete(prefix: prefix + "/")
        try await cleanup.commit()
    }

    /// The watch stream goes quiet without closing (a proxy drops what etcd sends) while a registration is
    /// written: once the stream has been silent for three times etcd's progress interval (1 s here, so the
    /// 10 s floor), the registry is read again and the registration shown.
    @Test func aSilentWatchIsNoticedAndTheRegistryReadAgain() async throws {
        let server = try EtcdServer(flags: ["--experimental-watch-progress-notify-interval", "1s"])
        try await server.start()
        defer { server.stop() }
        let proxy = try StallProxy.etcd(port: server.clientPort)
        try await proxy.start(probe: "/health")
        let prefix = uniquePrefix()
        let watch = try AgentProcess([
            "list", "--watch", "--prefix", prefix, "--etcd-endpoints", "http://\(proxy.address)",
        ])
        defer { watch.signal(SIGKILL) }
        #expect(try await eventually { watch.log.contains("nothing registered") } != nil, "\(watch.log)")
        // The creation and two progress notifications: the list has learnt how often etcd speaks.
        let learnt = try await eventually {
            proxy.log.filter { $0.hasSuffix("POST /v3/watch HTTP/1.1") && !$0.hasPrefix("POST") }.count >= 3
        }
        #expect(learnt != nil, "\(proxy.log)")
        try proxy.mute("/v3/watch")
        let muted = try await eventually { proxy.log.contains { $0.hasPrefix("muted POST /v3/watch") } }
        try proxy.disarm()
        #expect(muted != nil, "\(proxy.log)")
        var write = EtcdTransaction(endpoint: server.endpoint)
        write.put("\(prefix)/a/80/host", "10.0.0.1")
        write.put("\(prefix)/a/80/port", "8001")
        try await write.commit()
        let shown = try await eventually(timeout: .seconds(90)) { watch.log.contains("+ a 80/tcp 10.0.0.1 8001") }
        #expect(shown != nil, "\(watch.log)")
        #expect(
            watch.log.contains(
                "etcd's watch of \(prefix)/ sent nothing for 10 s, not even a progress notification; "
                    + "reading the registry again"), "\(watch.log)")
        #expect(try await watch.terminate().status == 0, "\(watch.log)")
        Reliability.record(
            "etcd's watch stream falls silent without closing under presence list --watch",
            outcome: "noticed after 10 s without a progress notification, registry read again, change shown",
            recovery: shown, passed: shown != nil)
    }
}
