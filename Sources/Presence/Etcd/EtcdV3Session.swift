import Logging
import NIOCore
import NIOHTTP1

/// Posts to etcd's v3 gateway as the configured user.
///
/// With credentials it authenticates for a token (`/v3/auth/authenticate`), sends it in the `Authorization`
/// header of every request, and authenticates again, once per request, when etcd no longer accepts it: a simple
/// token expires after `--auth-token-ttl` without use, and a JWT at its expiry. Without credentials it sends
/// requests as they are.
actor EtcdV3Session {
    private let transport: EtcdTransport
    private let credentials: EtcdCredentials?
    private let logger: Logger
    private var token: String?
    /// etcd answered that authentication is disabled: requests go without a token until it asks for one.
    private var authenticationDisabled = false

    init(transport: EtcdTransport, credentials: EtcdCredentials?, logger: Logger) {
        self.transport = transport
        self.credentials = credentials
        self.logger = logger
    }

    func post(_ path: String, _ body: ByteBuffer) async throws -> HTTPExchange {
        guard let credentials else { return try await transport.send(.POST, path, body: body) }
        let response = try await transport.send(.POST, path, body: body, authorization: try await token(credentials))
        // Not only non-200 answers: a streaming endpoint (the keep-alive) reports its errors with status 200.
        guard let failure = try? response.decode(EtcdV3.ErrorResponse.self), EtcdV3.needsNewToken(failure) else {
            return response
        }
        let endpoint = await transport.currentEndpoint
        logger.info(
            "etcd no longer accepts the auth token (\(failure.text)); authenticating again",
            metadata: ["user": "\(credentials.user)", "endpoint": "\(endpoint)"])
        token = nil
        authenticationDisabled = false
        return try await transport.send(.POST, path, body: body, authorization: try await token(credentials))
    }

    /// The `Authorization` header for a request the session cannot send itself (a watch, read as it streams);
    /// nil without credentials or while etcd has authentication disabled.
    func authorization() async throws -> String? {
        guard let credentials else { return nil }
        return try await token(credentials)
    }

    /// The reading of etcd's refusal of the `what`, at the endpoint that answered last, for the session's user.
    func refusal(of what: String, needs access: EtcdRefusal.Access, on roots: [String]) async -> EtcdRefusal {
        EtcdRefusal(
            of: what, at: await transport.currentEndpoint, credentials: credentials, needs: access, on: roots)
    }

    /// Forgets a token etcd refused in a stream, so that the next request authenticates again.
    func tokenRefused() {
        token = nil
        authenticationDisabled = false
    }

    /// The current token, authenticating for one if there is none; nil while etcd has authentication disabled.
    private func token(_ credentials: EtcdCredentials) async throws -> String? {
        if let token { return token }
        if authenticationDisabled { return nil }
        let request = EtcdV3.AuthenticateRequest(name: credentials.user, password: credentials.password)
        let response = try await transport.send(
            .POST, "/v3/auth/authenticate", body: ByteBuffer(bytes: try JSONEncoder().encode(request)))
        let endpoint = await transport.currentEndpoint
        guard response.status == .ok else {
            let failure = try? response.decode(EtcdV3.ErrorResponse.self)
            if let failure, EtcdV3.isAuthenticationDisabled(failure) {
                logger.warning(
                    "etcd at \(endpoint) has authentication disabled; sending requests without a token",
                    metadata: ["user": "\(credentials.user)", "endpoint": "\(endpoint)"])
                authenticationDisabled = true
                return nil
            }
            // Authenticating reads no key: no root for the role to grant.
            let refusal = EtcdRefusal(
                of: "authentication of user '\(credentials.user)'", at: endpoint, credentials: credentials,
                needs: .read, on: [])
            throw refusal.v3(status: response.status, failure: failure, body: response.bodyText)
        }
        guard let token = try? response.decode(EtcdV3.AuthenticateResponse.self).token, !token.isEmpty else {
            throw PresenceError(
                .etcdRejected, "etcd at \(endpoint) authenticated user '\(credentials.user)' but sent no token")
        }
        logger.debug("authenticated with etcd", metadata: ["user": "\(credentials.user)", "endpoint": "\(endpoint)"])
        self.token = token
        return token
    }
}
