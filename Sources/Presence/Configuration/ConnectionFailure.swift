import AsyncHTTPClient
import NIOSSL

/// Says why a connection to etcd or Docker failed in the operator's terms, and which option to check.
///
/// TLS failures in particular arrive as BoringSSL error stacks; their reason codes are turned into advice.
enum ConnectionFailure {
    /// What went wrong, and whether that text already says what to check (true for TLS failures).
    static func explain(
        _ error: any Error, server: ClientTLS.Server, usesTLS: Bool, tls: ClientTLS?
    ) -> (text: String, hasAdvice: Bool) {
        let name = server.displayName
        switch error {
        case let failure as HTTPClientError where failure == .remoteConnectionClosed:
            guard usesTLS else {
                return (
                    "\(name) closed the connection without answering; if it serves TLS there, \(server.tlsAdvice)", true
                )
            }
            // Under TLS 1.3 the server checks the client certificate after the handshake, and a refusal reaches
            // the agent only as a closed connection.
            return (
                "\(name) closed the TLS connection without answering, as it does when it refuses the client "
                    + "certificate; " + clientCertificateAdvice(server: server, tls: tls), true
            )
        case NIOSSLError.handshakeFailed(let failure), NIOSSLError.shutdownFailed(let failure):
            return (explain(reasons: reasons(failure), server: server, tls: tls), true)
        case let failure as BoringSSLError:
            return (explain(reasons: reasons(failure), server: server, tls: tls), true)
        case let failure as NIOSSLExtraError where failure == .failedToValidateHostname:
            return (
                "TLS handshake failed: \(name)'s certificate does not name this host or address; "
                    + "use a name its certificate holds in \(server.addressOption)", true
            )
        default:
            return ("\(error)", false)
        }
    }

    private static func explain(reasons: [String], server: ClientTLS.Server, tls: ClientTLS?) -> String {
        let prefix = "TLS handshake failed: "
        let option = "--\(server.rawValue)"
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            let authority = tls?.caCertificatePath.map { "\(option)-cacert '\($0)'" } ?? "the system's CAs"
            return prefix + "certificate verify failed (\(server.displayName)'s certificate is not signed by "
                + "\(authority), or has expired); check \(option)-cacert"
        }
        if reasons.contains(where: { $0 == "WRONG_VERSION_NUMBER" || $0 == "EOF during handshake" }) {
            return prefix + "\(server.displayName) does not speak TLS on this port; \(server.plainAdvice)"
        }
        if reasons.contains(where: { $0.contains("ALERT") }) {
            let alert = reasons.first { $0.contains("ALERT") }!
            return prefix + "\(server.displayName) answered \(alert); "
                + clientCertificateAdvice(server: server, tls: tls)
        }
        return prefix + (reasons.isEmpty ? "no reason given" : reasons.joined(separator: ", "))
    }

    /// What to check when the server turned the connection down after seeing the agent's certificate, or its
    /// absence.
    private static func clientCertificateAdvice(server: ClientTLS.Server, tls: ClientTLS?) -> String {
        let option = "--\(server.rawValue)"
        guard let tls, tls.certificatePath != nil else {
            return "if \(server.displayName) runs with \(server.clientAuthFlag), give \(option)-cert and \(option)-key"
        }
        if let problem = tls.clientCertificateProblem() { return problem }
        return "check that \(option)-cert is signed by a CA in \(server.displayName)'s \(server.trustedCAFlag)"
    }

    /// The reason codes of a BoringSSL error stack, such as `CERTIFICATE_VERIFY_FAILED`.
    private static func reasons(_ failure: BoringSSLError) -> [String] {
        let stack: NIOBoringSSLErrorStack
        switch failure {
        case .sslError(let errors), .unknownError(let errors), .invalidSNIName(let errors),
            .failedToSetALPN(let errors):
            stack = errors
        default:
            return ["\(failure)"]
        }
        // Each entry reads "Error: CODE error:HEX:LIBRARY:FUNCTION:REASON at FILE:LINE".
        return stack.map { entry in
            let text = "\(entry)"
            let beforeLocation = text.split(separator: " at ").first.map(String.init) ?? text
            let reason = beforeLocation.split(separator: ":").last.map(String.init) ?? text
            return reason.trimmingCharacters(in: " ")
        }
    }
}

extension ClientTLS.Server {
    /// The server's name in messages.
    var displayName: String { self == .etcd ? "etcd" : "Docker" }
    /// The option naming where it is reached.
    var addressOption: String { self == .etcd ? "--etcd-endpoints" : "--docker-host" }
    /// The server's own flag that makes it ask for client certificates.
    var clientAuthFlag: String { self == .etcd ? "--client-cert-auth" : "--tlsverify" }
    /// The server's own flag naming the CAs its clients' certificates must be signed by.
    var trustedCAFlag: String { self == .etcd ? "--trusted-ca-file" : "--tlscacert" }
    /// What to change when the server speaks TLS and the agent does not.
    var tlsAdvice: String {
        self == .etcd ? "use https://" : "set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or --docker-cacert"
    }
    /// What to change when the agent speaks TLS and the server does not.
    var plainAdvice: String {
        self == .etcd
            ? "use http:// or start etcd with --cert-file"
            : "drop the TLS settings (DOCKER_TLS_VERIFY, --docker-cacert) or start dockerd with --tlsverify"
    }
}
