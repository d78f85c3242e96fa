import Foundation
import Presence
import PresenceTestSupport
import Testing

/// etcd holds exactly the serving containers' ports in every interleaving: one container's trouble holds back no
/// other, names hand over, and one lost keep-alive costs nothing.
///
/// Agents run with `--resync 3600`: what the tests see is the work of events and retries, never of the periodic
/// resync.
@Suite("Exact in every interleaving", .timeLimit(.minutes(4)))
struct ExactnessTests {
    let docker: DockerCLI
    let etcd: EtcdReader

    init() throws {
        docker = try DockerCLI()
        etcd = try EtcdReader()
    }

    func keys(under prefix: String) async throws -> [String: String] {
        try await etcd.keys(under: prefix + "/")
    }

    /// The keys etcd should hold for `names`, from `docker inspect`.
    func expected(_ prefix: String, _ names: [String]) async throws -> [String: String] {
        try await docker.expectedKeys(prefix: prefix, names: names, host: try await docker.expectedHostIP())
    }

    @Test func aWidePortRangeRegistersWholeAndHoldsBackNoOtherContainer() async throws {
        let prefix = uniquePrefix()
        let before = uniqueName("before")
        let wide = uniqueName("wide")
        let after = uniqueName("after")
        defer { docker.remove([before, wide, after]) }
        try await docker.start(before, ports: ["80"])
        let agent = try AgentProcess.start(
            container: [before, wide, after], prefix: prefix, ttl: 30, interval: 10, extra: ["--resync", "3600"])
        // 100 ports: 200 keys, past etcd's default of 128 operations in one transaction.
        let hostPorts = try freePortRange(count: 100)
        try await docker.start(
            wide, ports: ["127.0.0.1:\(hostPorts.lowerBound)-\(hostPorts.upperBound):1000-1099"])
        try await docker.start(after, ports: ["80"])
        let names = [before, wide, after]
        let want = try await expected(prefix, names)
        #expect(want.count == 204)
        let registered = try await eventually(timeout: .seconds(60)) { try await keys(under: prefix) == want }
        let held = try await keys(under: prefix)
        #expect(registered != nil, "\(held.count) keys of 204\n\(agent.log)")
        Reliability.record(
            "a container publishing 100 ports (200 keys, etcd's limit 128 a transaction) between two others",
            outcome: "all three registered whole", recovery: registered,
            consistency: try await Consistency.check(
                api: .v3, etcd: etcd, docker: docker, prefix: prefix, names: names),
            passed: registered != nil)
        try await docker.docker(["stop", "-t", "0", wide])
        #expect(
            try await eventually { try await keys(under: prefix) == (try await expected(prefix, [before, after])) }
                != nil)
        #expect(try await agent.terminate().status == 0)
        #expect(try await keys(under: prefix).isEmpty)
    }

    @Test func blueGreenHandsTheNameOverWhenTheHolderStops() async throws {
        let prefix = uniquePrefix()
        let label = "presence.test=\(UUID().uuidString.prefix(8))"
        let service = uniqueName("svc")
        let blue = uniqueName("blue")
        let green = uniqueName("green")
        defer { docker.remove([blue, green]) }
        let agent = try AgentProcess.start(
            container: [], prefix: prefix, ttl: 30, interval: 10, extra: ["--label", label, "--resync", "3600"])
        let both = ["--label", label, "--label", "presence.name=\(service)"]
        try await docker.start(blue, ports: ["80"], extra: both)
        let bluePort = try await docker.hostPort(blue, "80/tcp")
        #expect(
            try await eventually { try await keys(under: prefix)["\(prefix)/\(service)/80/port"] == bluePort } != nil,
            "\(agent.log)")
        try await docker.start(green, ports: ["80"], extra: both)
        let greenPort = try await docker.hostPort(green, "80/tcp")
        #expect(try await eventually { agent.log.contains("container=\(green)") } != nil)
        #expect(agent.log.contains("another container is registered as '\(service)'"), "\(agent.log)")
        #expect(try await keys(under: prefix)["\(prefix)/\(service)/80/port"] == bluePort, "the holder keeps it")
        try await docker.docker(["stop", "-t", "0", blue])
        let handedOver = try await eventually(every: .milliseconds(20)) {
            try await keys(under: prefix) == [
                "\(prefix)/\(service)/80/port": greenPort,
                "\(prefix)/\(service)/80/host": try await docker.expectedHostIP(),
            ]
        }
        let held = try await keys(under: prefix)
        #expect(handedOver != nil, "\(held)\n\(agent.log)")
        Reliability.record(
            "blue/green: the holder of presence.name stopped while a contender runs", outcome: "contender registered",
            recovery: handedOver, passed: handedOver != nil)
        #expect(try await agent.terminate().status == 0)
    }

    @Test func renameAndReplaceInOneBatch() async throws {
        let prefix = uniquePrefix()
        let web = uniqueName("web")
        let old = web + "-old"
        defer { docker.remove([web, old]) }
        try await docker.start(web, ports: ["80"])
        let oldPort = try await docker.hostPort(web, "80/tcp")
        let agent = try AgentProcess.start(
            container: [web, old], prefix: prefix, ttl: 30, interval: 10, extra: ["--resync", "3600"])
        #expect(try await eventually { try await keys(under: prefix)["\(prefix)/\(web)/80/port"] == oldPort } != nil)
        // One shell line, as a deployment script runs it: the events arrive in one burst.
        _ = try await shell([
            "sh", "-c",
            "docker -H \(docker.host) rename \(web) \(old) && docker -H \(docker.host) run -d --init --name \(web) "
                + "-p 80 \(try TestEnvironment.image())",
        ])
        let newPort = try await docker.hostPort(web, "80/tcp")
        let settled = try await eventually {
            let held = try await keys(under: prefix)
            return held["\(prefix)/\(web)/80/port"] == newPort && held["\(prefix)/\(old)/80/port"] == oldPort
        }
        let held = try await keys(under: prefix)
        #expect(settled != nil, "\(held)\n\(agent.log)")
        Reliability.record(
            "docker rename web web-old && docker run --name web, one burst", outcome: "both under their new names",
            recovery: settled,
            consistency: try await Consistency.check(
                api: .v3, etcd: etcd, docker: docker, prefix: prefix, names: [web, old]),
            passed: settled != nil)
        #expect(try await agent.terminate().status == 0)
    }

    @Test(arguments: ["name", "image"])
    func aLabelDockerOverwritesInEventsStillSelects(key: String) async throws {
        let prefix = uniquePrefix()
        let value = "sel-\(UUID().uuidString.prefix(8).lowercased())"
        let name = uniqueName("overwritten")
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [], prefix: prefix, ttl: 30, interval: 10,
            extra: ["--label", "\(key)=\(value)", "--resync", "3600"])
        try await Task.sleep(for: .seconds(1))
        try await docker.start(name, ports: ["80"], extra: ["--label", "\(key)=\(value)"])
        #expect(try await eventually { try await keys(under: prefix).count == 2 } != nil, "\(agent.log)")
        try await docker.docker(["stop", "-t", "0", name])
        #expect(try await eventually { try await keys(under: prefix).isEmpty } != nil)
        try await docker.docker(["start", name])
        let back = try await eventually { try await keys(under: prefix) == (try await expected(prefix, [name])) }
        #expect(back != nil, "a stop and start is followed from the events alone\n\(agent.log)")
        #expect(try await agent.terminate().status == 0)
    }

    /// TTL and interval in the 2:1 ratio of the original defaults, the tightest the agent allows a user.
    @Test func oneLostKeepAliveIsRetriedAndNoWatcherSeesIt() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("steady")
        defer { docker.remove(name) }
        let etcdPort = try #require(URL(string: try TestEnvironment.etcd())?.port)
        let proxy = try DropProxy(target: etcdPort)
        try await proxy.waitReady()
        try await docker.start(name, ports: ["80"])
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, etcd: proxy.endpoint, ttl: 6, interval: 3,
            extra: ["--resync", "3600"])
        #expect(try await eventually { try await keys(under: prefix).count == 2 } != nil, "\(agent.log)")
        let watch = try EtcdWatch(endpoint: try TestEnvironment.etcd(), prefix: prefix + "/")
        try await Task.sleep(for: .milliseconds(500))
        try proxy.dropNext("/v3/lease/keepalive")
        #expect(try await eventually(timeout: .seconds(20)) { proxy.dropped == 1 } != nil, "\(agent.log)")
        // Two more TTLs: without the retry, the next keep-alive would race the lease's expiry and lose.
        try await Task.sleep(for: .seconds(12))
        #expect(watch.events.isEmpty, "a watcher saw \(watch.events)\n\(agent.log)")
        Reliability.record(
            "one lease keep-alive cut by a proxy (TTL 6 s, interval 3 s)",
            outcome: "retried at once; \(watch.events.count) watch events in 12 s", recovery: nil,
            passed: watch.events.isEmpty)
        #expect(try await keys(under: prefix).count == 2)
        #expect(try await agent.terminate().status == 0)
    }

    @Test func keysDoNotOutliveDockersLastAnswerByMoreThanOneTTL() async throws {
        let prefix = uniquePrefix()
        let name = uniqueName("silent")
        defer { docker.remove(name) }
        let proxy = try DockerProxy()
        try await proxy.start()
        defer { proxy.stop() }
        try await docker.start(name, ports: ["80"])
        let agent = try AgentProcess(
            [
                "--container", name, "--prefix", prefix, "--etcd-endpoints", try TestEnvironment.etcd(),
                "--docker-host", proxy.dockerHost, "--ttl", "6", "--interval", "2", "--resync", "3600",
                "--log-level", "debug",
            ])
        #expect(try await eventually { try await keys(under: prefix).count == 2 } != nil, "\(agent.log)")
        let lease = try #require(try await etcd.entries(under: prefix + "/").values.first?.lease)
        proxy.stop()
        // A renewal whose ping went through just before the cut may still be on its way.
        try await Task.sleep(for: .milliseconds(300))
        // From here Docker gives no answer: etcd must never see the lease renewed again.
        var remaining = try await etcd.lease(lease).remaining
        var renewed = false
        while remaining > 0 {
            try await Task.sleep(for: .milliseconds(300))
            let now = try await etcd.lease(lease).remaining
            if now > remaining { renewed = true }
            remaining = now
        }
        #expect(!renewed, "the lease was renewed after Docker's last answer\n\(agent.log)")
        Reliability.record(
            "Docker cut off from the agent (TTL 6 s)",
            outcome: renewed
                ? "lease renewed after Docker's last answer" : "lease never renewed after Docker's last answer",
            recovery: nil, passed: !renewed)
        #expect(try await eventually { try await keys(under: prefix).isEmpty } != nil)
        #expect(agent.log.contains("Docker did not answer before the keep-alive"), "\(agent.log)")
        agent.signal(SIGTERM)
        #expect(try await agent.waitForExit() != nil)
    }
}
