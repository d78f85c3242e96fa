import Foundation
import Presence
import PresenceTestSupport
import Testing

/// The agent's link to etcd secured: TLS with etcd's CA and with client certificates, and etcd users whose role
/// reaches only the agent's prefix, each against an etcd the test starts for itself.
@Suite("Securing the link to etcd", .timeLimit(.minutes(3)))
struct EtcdSecurityTests {
    let docker: DockerCLI
    let certificates: TestCertificates
    let password = "pw-\(UUID().uuidString.prefix(12))"

    init() throws {
        docker = try DockerCLI()
        certificates = try TestCertificates()
    }

    @Test func httpsTrustingEtcdsCA() async throws {
        let server = try EtcdServer(tls: .init(certificates: certificates, server: certificates.server))
        try await server.start()
        // Stopped explicitly, not only on release, so that no failure path leaves an etcd running.
        defer { server.stop() }
        try await expectRegisteredAndRemoved(
            etcd: EtcdCtl(server), endpoint: server.endpoint, extra: ["--etcd-cacert", certificates.caCertificate])
    }

    /// etcd with `--client-cert-auth`; the files come from etcdctl's environment variables.
    @Test func clientCertificateFromEtcdctlsEnvironment() async throws {
        let server = try EtcdServer(
            tls: .init(certificates: certificates, server: certificates.server, clientCertificateAuth: true))
        try await server.start()
        defer { server.stop() }
        let agent = try await expectRegisteredAndRemoved(
            etcd: EtcdCtl(server), endpoint: server.endpoint,
            environment: [
                "ETCDCTL_CACERT": certificates.caCertificate, "ETCDCTL_CERT": certificates.client.certificate,
                "ETCDCTL_KEY": certificates.client.key,
            ])
        #expect(agent.log.contains("etcd-tls=--etcd-cacert,--etcd-cert,--etcd-key"), "\(agent.log)")
    }

    @Test func aWrongCAIsNamedAndRetried() async throws {
        let server = try EtcdServer(tls: .init(certificates: certificates, server: certificates.server))
        try await server.start()
        defer { server.stop() }
        try await expectRefusedWithoutRegistering(
            server, extra: ["--etcd-cacert", certificates.otherCACertificate],
            message: "\(server.endpoint): TLS handshake failed: certificate verify failed",
            advice: "check --etcd-cacert")
    }

    @Test func anExpiredServerCertificateFailsVerification() async throws {
        let server = try EtcdServer(tls: .init(certificates: certificates, server: certificates.expiredServer))
        try await server.start()
        defer { server.stop() }
        try await expectRefusedWithoutRegistering(
            server, extra: ["--etcd-cacert", certificates.caCertificate],
            message: "\(server.endpoint): TLS handshake failed: certificate verify failed", advice: "or has expired")
    }

    @Test func anExpiredClientCertificateIsNamedWithItsDate() async throws {
        let server = try EtcdServer(
            tls: .init(certificates: certificates, server: certificates.server, clientCertificateAuth: true))
        try await server.start()
        defer { server.stop() }
        let expired = certificates.expiredClient
        try await expectRefusedWithoutRegistering(
            server,
            extra: [
                "--etcd-cacert", certificates.caCertificate, "--etcd-cert", expired.certificate, "--etcd-key",
                expired.key,
            ],
            message: "\(server.endpoint): etcd closed the TLS connection without answering",
            advice: "--etcd-cert '\(expired.certificate)' expired on 2020-01-02T00:00:00Z; renew it")
    }

    @Test func aMissingClientCertificateIsNamed() async throws {
        let server = try EtcdServer(
            tls: .init(certificates: certificates, server: certificates.server, clientCertificateAuth: true))
        try await server.start()
        defer { server.stop() }
        try await expectRefusedWithoutRegistering(
            server, extra: ["--etcd-cacert", certificates.caCertificate],
            message: "\(server.endpoint): etcd closed the TLS connection without answering",
            advice: "if etcd runs with --client-cert-auth, give --etcd-cert and --etcd-key")
    }

    /// The role may read and write the agent's own prefix and nothing else; every request the agent makes must
    /// work with that: lease grant, range and deleterange of leftovers under a host-scoped prefix, the txn of a
    /// registration, keep-alives past the TTL, deleterange of a container that stops, revoke at SIGTERM.
    @Test func aRoleLimitedToThePrefixIsEnough() async throws {
        let server = try EtcdServer(tls: .init(certificates: certificates, server: certificates.server))
        try await server.start()
        defer { server.stop() }
        var etcd = EtcdCtl(server)
        let base = uniquePrefix()
        let own = base + "/h1"
        try etcd.enableAuthentication(rootPassword: "root-\(password)")
        try etcd.addUser("agent", password: password, readWriteUnder: own + "/")
        try etcd.put(own + "/ghost/80/port", "1")
        // Next to the prefix, outside the role: a sloppy range over "/h1" would also cover it, and be denied.
        try etcd.put(base + "/h10/web/80/port", "2")
        let (a, b) = (uniqueName("role-a"), uniqueName("role-b"))
        try await docker.start(a, ports: ["80"])
        defer { docker.remove(a) }
        try await docker.start(b, ports: ["80"])
        defer { docker.remove(b) }
        let agent = try AgentProcess.start(
            container: [a, b], prefix: base + "/{hostname}", etcd: server.endpoint, ttl: 3, interval: 1,
            extra: ["--hostname", "h1", "--etcd-cacert", certificates.caCertificate, "--etcd-user", "agent"],
            environment: ["ETCD_PASSWORD": password])
        let host = try await docker.expectedHostIP()
        let both = try await docker.expectedKeys(prefix: own, names: [a, b], host: host)
        #expect(try await eventually { try etcd.keys(under: own + "/") == both } != nil, "\(agent.log)")
        try await Task.sleep(for: .seconds(4))
        #expect(try etcd.keys(under: own + "/") == both, "kept alive past the TTL of 3 s")
        docker.remove(a)
        let onlyB = try await docker.expectedKeys(prefix: own, names: [b], host: host)
        #expect(try await eventually { try etcd.keys(under: own + "/") == onlyB } != nil, "\(agent.log)")
        #expect(try await agent.terminate().status == 0, "\(agent.log)")
        #expect(try etcd.keys(under: own + "/").isEmpty, "the lease was revoked")
        #expect(try etcd.keys(under: base + "/h10/") == [base + "/h10/web/80/port": "2"])
        #expect(!agent.log.contains("permission denied"), "\(agent.log)")
        #expect(!agent.log.contains("warning"), "\(agent.log)")
        #expect(!agent.log.contains(password))
    }

    @Test func aWrongPasswordIsNamedButNeverShown() async throws {
        let server = try EtcdServer(tls: .init(certificates: certificates, server: certificates.server))
        try await server.start()
        defer { server.stop() }
        var etcd = EtcdCtl(server)
        try etcd.enableAuthentication(rootPassword: "root-\(password)")
        try etcd.addUser("agent", password: password, readWriteUnder: "/")
        let wrong = "wrong-\(password)"
        let name = uniqueName("wrongpw")
        let prefix = uniquePrefix()
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, etcd: server.endpoint,
            extra: ["--etcd-cacert", certificates.caCertificate, "--etcd-user", "agent"],
            environment: ["ETCD_PASSWORD": wrong])
        let message = "etcd at \(server.endpoint) refused the password of user 'agent'"
        let warned = try await eventually(timeout: .seconds(10)) { agent.log.contains(message) }
        #expect(warned != nil, "\(agent.log)")
        let retried = try await eventually(timeout: .seconds(10)) {
            agent.log.components(separatedBy: message).count > 3
        }
        #expect(retried != nil, "retried with backoff: \(agent.log)")
        #expect(agent.log.contains("warning presence: container=\(name) [Presence] \(message)"), "\(agent.log)")
        #expect(agent.log.contains("check ETCD_PASSWORD or --etcd-password-file"))
        #expect(agent.isRunning)
        #expect(try etcd.keys(under: prefix + "/").isEmpty)
        #expect(try await agent.terminate().status == 0, "\(agent.log)")
        #expect(!agent.log.contains(wrong), "the password is never logged")
        #expect(!agent.log.contains(password))
    }

    /// etcd forgets a simple token after `--auth-token-ttl` seconds unused (keep-alives do not use it: etcd 3.4
    /// does not check them). Each container event after such a pause meets an invalid token, and the agent must
    /// authenticate again without a failed request.
    @Test func anExpiredTokenIsRenewedTransparently() async throws {
        let server = try EtcdServer(
            tls: .init(certificates: certificates, server: certificates.server), flags: ["--auth-token-ttl", "1"])
        try await server.start()
        defer { server.stop() }
        var etcd = EtcdCtl(server)
        try etcd.enableAuthentication(rootPassword: "root-\(password)")
        let prefix = uniquePrefix()
        try etcd.addUser("agent", password: password, readWriteUnder: prefix + "/")
        let passwordFile = certificates.directory + "/password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        let (a, b) = (uniqueName("token-a"), uniqueName("token-b"))
        try await docker.start(a, ports: ["80"])
        defer { docker.remove(a) }
        defer { docker.remove(b) }
        let agent = try AgentProcess.start(
            container: [a, b], prefix: prefix, etcd: server.endpoint, ttl: 4, interval: 1,
            extra: [
                "--etcd-cacert", certificates.caCertificate, "--etcd-user", "agent", "--etcd-password-file",
                passwordFile,
            ])
        let host = try await docker.expectedHostIP()
        let renewals = { agent.log.components(separatedBy: "authenticating again").count - 1 }
        let onlyA = try await docker.expectedKeys(prefix: prefix, names: [a], host: host)
        #expect(try await eventually { try etcd.keys(under: prefix + "/") == onlyA } != nil, "\(agent.log)")
        #expect(renewals() == 0)
        // etcd drops unused tokens on a one-second tick: three seconds idle is sure to outlive it.
        try await Task.sleep(for: .seconds(3))
        try await docker.start(b, ports: ["80"])
        let both = try await docker.expectedKeys(prefix: prefix, names: [a, b], host: host)
        #expect(try await eventually { try etcd.keys(under: prefix + "/") == both } != nil, "\(agent.log)")
        #expect(renewals() == 1, "\(agent.log)")
        try await Task.sleep(for: .seconds(3))
        docker.remove(a)
        let onlyB = try await docker.expectedKeys(prefix: prefix, names: [b], host: host)
        #expect(try await eventually { try etcd.keys(under: prefix + "/") == onlyB } != nil, "\(agent.log)")
        #expect(renewals() == 2, "\(agent.log)")
        #expect(agent.log.contains("etcd no longer accepts the auth token (etcdserver: invalid auth token)"))
        #expect(!agent.log.contains("retrying"), "no request failed: \(agent.log)")
        #expect(try await agent.terminate().status == 0, "\(agent.log)")
        #expect(try etcd.keys(under: prefix + "/").isEmpty)
        #expect(!agent.log.contains(password))
    }

    /// The v2 API has no tokens: every request carries HTTP basic auth, and a v2 role on the prefix suffices.
    @Test func v2SendsBasicAuthWithEveryRequest() async throws {
        let server = try EtcdServer()
        try await server.start()
        defer { server.stop() }
        let prefix = uniquePrefix()
        let rootPassword = "root-\(password)"
        let etcd = EtcdCtl(server)
        try etcd.enableV2Authentication(
            rootPassword: rootPassword, user: "agent", password: password, directory: prefix)
        let name = uniqueName("v2auth")
        try await docker.start(name, ports: ["80"])
        defer { docker.remove(name) }
        let agent = try AgentProcess.start(
            container: [name], prefix: prefix, api: .v2, etcd: server.endpoint, ttl: 3, interval: 1,
            environment: ["ETCD_USERNAME": "agent", "ETCD_PASSWORD": password])
        let expected = try await docker.expectedKeys(prefix: prefix, names: [name], host: docker.expectedHostIP())
        let keys = { try etcd.v2Keys(under: prefix, rootPassword: rootPassword) }
        #expect(try await eventually { try keys() == expected } != nil, "\(agent.log)")
        try await Task.sleep(for: .seconds(4))
        #expect(try keys() == expected, "refreshed past the TTL of 3 s")
        #expect(try await agent.terminate().status == 0, "\(agent.log)")
        #expect(try keys().isEmpty)
        // Every write, refresh and removal is allowed; only the optional read-back of a whole directory may not be.
        let refused = agent.log.split(separator: "\n").filter {
            $0.contains("refused") && !$0.contains("reading the keys back")
        }
        #expect(refused.isEmpty, "\(agent.log)")
        #expect(!agent.log.contains(password))
    }

    /// Bad TLS or authentication input: one line naming the option or file, exit 64, before anything is dialled.
    @Test(
        arguments: [
            (["--etcd-cacert", "{dir}/missing.pem"], [:], "--etcd-cacert '{dir}/missing.pem': no such file"),
            ([], ["ETCDCTL_CACERT": "{dir}/from-env.pem"], "--etcd-cacert '{dir}/from-env.pem': no such file"),
            (
                ["--etcd-cacert", "{dir}/client-key.pem"], [:],
                "--etcd-cacert '{dir}/client-key.pem' holds no PEM certificate"
            ),
            (["--etcd-cert", "{dir}/client.pem"], [:], "--etcd-cert needs --etcd-key"),
            ([], ["ETCDCTL_KEY": "{dir}/client-key.pem"], "--etcd-key needs --etcd-cert"),
            (
                ["--etcd-cert", "{dir}/client.pem", "--etcd-key", "{dir}/expired-client-key.pem"], [:],
                "is not the private key of"
            ),
            (
                ["--etcd-cacert", "{dir}/ca.pem", "--etcd-endpoints", "http://127.0.0.1:1"], [:],
                "every --etcd-endpoints URL is http://"
            ),
            (["--etcd-password", "hunter2-usage"], [:], "Unknown option '--etcd-password'"),
            (["--etcd-user", "agent"], [:], "--etcd-user 'agent' needs a password"),
            (["--etcd-password-file", "{dir}/ca.pem"], [:], "--etcd-password-file needs --etcd-user"),
            ([], ["ETCD_PASSWORD": "hunter2-usage"], "ETCD_PASSWORD is set but no etcd user is"),
            (
                ["--etcd-user", "agent", "--etcd-password-file", "{dir}/none"], [:],
                "--etcd-password-file '{dir}/none': no such file"
            ),
        ] as [([String], [String: String], String)])
    func badSecurityInputIsAUsageError(arguments: [String], environment: [String: String], message: String) async throws
    {
        let fill = { (text: String) in text.replacingOccurrences(of: "{dir}", with: certificates.directory) }
        let endpoints = arguments.contains("--etcd-endpoints") ? [] : ["--etcd-endpoints", "https://127.0.0.1:1"]
        let agent = try AgentProcess(
            ["--container", "web", "--docker-host", try TestEnvironment.dockerHost()] + endpoints + arguments.map(fill),
            environment: environment.mapValues(fill))
        #expect(try await agent.waitForExit() == 64, "\(agent.log)")
        #expect(agent.log.split(separator: "\n").count == 1, "one line: \(agent.log)")
        #expect(agent.log.contains(fill(message)), "\(agent.log)")
        #expect(!agent.log.contains("hunter2-usage"), "a password is never echoed")
    }

    @Test func helpNamesTheOptionsAndTheirVariables() async throws {
        let help = try AgentProcess(["--help"])
        #expect(try await help.waitForExit() == 0)
        for text in [
            "--etcd-cacert", "ETCDCTL_CACERT", "--etcd-cert", "ETCDCTL_CERT", "--etcd-key", "ETCDCTL_KEY",
            "--etcd-user", "ETCD_USERNAME", "ETCD_PASSWORD", "--etcd-password-file",
        ] {
            #expect(help.log.contains(text), "--help names \(text)")
        }
        #expect(!help.log.contains("--etcd-password "), "there is no password option")
    }
}
