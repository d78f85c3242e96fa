import Foundation
import NIOSSL
import Testing

@testable import Presence

@Suite("TLS and authentication options are validated before anything runs")
struct EtcdSecurityOptionTests {
    let files: TLSFixtures.Directory

    init() throws {
        files = try TLSFixtures.Directory()
    }

    @Test func validFilesMakeAClientConfiguration() throws {
        let tls = try ClientTLS(
            caCertificate: files["ca.pem"], certificate: files["client.pem"], key: files["client-key.pem"])
        #expect(tls.optionNames == ["--etcd-cacert", "--etcd-cert", "--etcd-key"])
        #expect(tls.configuration.certificateChain.count == 1)
        #expect(tls.configuration.privateKey != nil)
        #expect(tls.clientCertificateProblem() == nil)
        let caOnly = try ClientTLS(caCertificate: files["ca.pem"], certificate: nil, key: nil)
        #expect(caOnly.configuration.certificateChain.isEmpty)
        #expect(caOnly.configuration.trustRoots != nil)
    }

    /// Each bad combination is refused with a message naming the option and, where there is one, the file.
    @Test(arguments: [
        (["cacert": "missing.pem"], "--etcd-cacert '{dir}/missing.pem': no such file"),
        (["cacert": "."], "--etcd-cacert '{dir}/.' is a directory, not a file"),
        (["cacert": "garbage.pem"], "--etcd-cacert '{dir}/garbage.pem' holds no PEM certificate"),
        (["cacert": "client-key.pem"], "--etcd-cacert '{dir}/client-key.pem' holds no PEM certificate"),
        (["cert": "client.pem"], "--etcd-cert needs --etcd-key, the private key of that certificate"),
        (["key": "client-key.pem"], "--etcd-key needs --etcd-cert, the certificate of that key"),
        (["cert": "garbage.pem", "key": "client-key.pem"], "--etcd-cert '{dir}/garbage.pem' holds no PEM certificate"),
        (
            ["cert": "client.pem", "key": "client.pem"],
            "--etcd-key '{dir}/client.pem' holds no unencrypted PEM private key"
        ),
        (
            ["cert": "client.pem", "key": "expired-key.pem"],
            "--etcd-key '{dir}/expired-key.pem' is not the private key of --etcd-cert '{dir}/client.pem'"
        ),
    ])
    func badFilesAreRefused(paths: [String: String], message: String) throws {
        try files.write("garbage.pem", "not a certificate\n")
        let path = { (option: String) in paths[option].map { files.path + "/" + $0 } }
        let error = #expect(throws: ConfigurationError.self) {
            try ClientTLS(caCertificate: path("cacert"), certificate: path("cert"), key: path("key"))
        }
        #expect(error?.message == message.replacingOccurrences(of: "{dir}", with: files.path))
    }

    @Test func anExpiredClientCertificateIsNamedWithItsDate() throws {
        let tls = try ClientTLS(caCertificate: nil, certificate: files["expired.pem"], key: files["expired-key.pem"])
        let problem = try #require(tls.clientCertificateProblem())
        #expect(problem == "--etcd-cert '\(files["expired.pem"])' expired on 2020-01-02T00:00:00Z; renew it")
        let beforeIssue = Date(timeIntervalSince1970: 1_500_000_000)
        #expect(tls.clientCertificateProblem(at: beforeIssue)?.contains("is not valid before 2020-01-01") == true)
    }

    @Test func tlsNeedsAnHTTPSEndpoint() throws {
        let tls = try ClientTLS(caCertificate: files["ca.pem"], certificate: nil, key: nil)
        let error = #expect(throws: ConfigurationError.self) {
            try AgentConfiguration(selection: web, etcdEndpoints: [EtcdEndpoint("http://127.0.0.1:2379")], etcdTLS: tls)
        }
        #expect(
            error?.message == "--etcd-cacert given, but every --etcd-endpoints URL is http://; TLS needs https:// URLs")
        #expect(throws: Never.self) {
            try AgentConfiguration(
                selection: web, etcdEndpoints: EtcdEndpoint.list("http://127.0.0.1:2379,https://127.0.0.1:2379"),
                etcdTLS: tls)
        }
    }

    @Test func thePasswordComesFromTheFileBeforeTheEnvironment() throws {
        let file = try files.write("password", "from-file\n")
        let fromFile = try #require(
            try EtcdCredentials.resolve(user: "agent", passwordFile: file, environmentPassword: "from-env"))
        #expect(fromFile == (try EtcdCredentials(user: "agent", password: "from-file")), "one final newline dropped")
        let fromEnvironment = try EtcdCredentials.resolve(user: "agent", passwordFile: nil, environmentPassword: "pw")
        #expect(fromEnvironment == (try EtcdCredentials(user: "agent", password: "pw")))
        let crlf = try files.write("crlf", "p w \r\n")
        #expect(
            try EtcdCredentials.resolve(user: "agent", passwordFile: crlf, environmentPassword: nil)
                == (try EtcdCredentials(user: "agent", password: "p w ")))
        #expect(try EtcdCredentials.resolve(user: nil, passwordFile: nil, environmentPassword: nil) == nil)
    }

    @Test(
        arguments: [
            ("agent", nil, nil, "--etcd-user 'agent' needs a password: set ETCD_PASSWORD or give --etcd-password-file"),
            (nil, "password", nil, "--etcd-password-file needs --etcd-user (or ETCD_USERNAME)"),
            (nil, nil, "hunter2", "ETCD_PASSWORD is set but no etcd user is; give --etcd-user or ETCD_USERNAME"),
            ("agent", "missing", nil, "--etcd-password-file '{dir}/missing': no such file"),
            ("agent", "empty", nil, "--etcd-password-file '{dir}/empty' is empty"),
            ("a:b", nil, "hunter2", "--etcd-user 'a:b' cannot hold ':' or control characters"),
            ("", nil, "hunter2", "--etcd-user is empty"),
        ] as [(String?, String?, String?, String)])
    func badCredentialsAreRefused(user: String?, passwordFile: String?, password: String?, message: String) throws {
        try files.write("password", "hunter2\n")
        try files.write("empty", "\n")
        let error = #expect(throws: ConfigurationError.self) {
            try EtcdCredentials.resolve(
                user: user, passwordFile: passwordFile.map { files.path + "/" + $0 }, environmentPassword: password)
        }
        #expect(error?.message == message.replacingOccurrences(of: "{dir}", with: files.path))
        #expect(error?.message.contains("hunter2") == false)
    }

    /// Whatever prints the credentials (a log line, string interpolation, `dump`, a failed `#expect`) shows the
    /// user and never the password.
    @Test func thePasswordIsNeverPrinted() throws {
        let credentials = try EtcdCredentials(user: "agent", password: "hunter2")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), dumped, "\(Optional(credentials) as Any)"] {
            #expect(text.contains("agent"))
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect(credentials.basicAuthorization == "Basic " + Data("agent:hunter2".utf8).base64EncodedString())
    }

    var web: ContainerSelection { try! ContainerSelection(names: ["web"]) }
}
