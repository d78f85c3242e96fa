import AsyncHTTPClient
import NIOSSL

/// Says why a connection to etcd failed in the operator's terms, and which option to check.
///
/// TLS failures in particular arrive as BoringSSL error stacks; their reason codes are turned into advice.
enum EtcdConnectionFailure {
    /// What went wrong, and whether that text already says what to check (true for TLS failures).
    static func explain(_ error: any Error, endpoint: EtcdEndpoint, tls: EtcdTLS?) -> (text: String, hasAdvice: Bool) {
        switch error {
        case let failure as HTTPClientError where failure == .remoteConnectionClosed:
            guard endpoint.scheme == .https else {
                return ("etcd closed the connection without answering; if it serves TLS there, use https://", true)
            }
            // Under TLS 1.3 etcd checks the client certificate after the handshake, and a refusal reaches the
            // agent only as a closed connection.
            return (
                "etcd closed the TLS connection without answering, as it does when it refuses the client "
                    + "certificate; " + clientCertificateAdvice(tls: tls), true
            )
        case NIOSSLError.handshakeFailed(let failure), NIOSSLError.shutdownFailed(let failure):
            return (explain(reasons: reasons(failure), tls: tls), true)
        case let failure as BoringSSLError:
            return (explain(reasons: reasons(failure), tls: tls), true)
        case let failure as NIOSSLExtraError where failure == .failedToValidateHostname:
            return (
                "TLS handshake failed: etcd's certificate does not name this host or address; "
                    + "use a name its certificate holds in --etcd-endpoints", true
            )
        default:
            return ("\(error)", false)
        }
    }

    private static func explain(reasons: [String], tls: EtcdTLS?) -> String {
        let prefix = "TLS handshake failed: "
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            let authority = tls?.caCertificatePath.map { "--etcd-cacert '\($0)'" } ?? "the system's CAs"
            return prefix + "certificate verify failed (etcd's certificate is not signed by \(authority), "
                + "or has expired); check --etcd-cacert"
        }
        if reasons.contains(where: { $0 == "WRONG_VERSION_NUMBER" || $0 == "EOF during handshake" }) {
            return prefix + "etcd does not speak TLS on this port; use http:// or start etcd with --cert-file"
        }
        if reasons.contains(where: { $0.contains("ALERT") }) {
            let alert = reasons.first { $0.contains("ALERT") }!
            return prefix + "etcd answered \(alert); " + clientCertificateAdvice(tls: tls)
        }
        return prefix + (reasons.isEmpty ? "no reason given" : reasons.joined(separator: ", "))
    }

    /// What to check when etcd turned the connection down after seeing the agent's certificate, or its absence.
    private static func clientCertificateAdvice(tls: EtcdTLS?) -> String {
        guard let tls, tls.certificatePath != nil else {
            return "if etcd runs with --client-cert-auth, give --etcd-cert and --etcd-key"
        }
        if let problem = tls.clientCertificateProblem() { return problem }
        return "check that --etcd-cert is signed by a CA in etcd's --trusted-ca-file"
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
