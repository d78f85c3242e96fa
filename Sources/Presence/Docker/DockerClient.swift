import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only client of the Docker Engine API over a unix socket or TCP.
///
/// The API version is negotiated on first use with `GET /_ping`, as Docker's own clients do, and again after
/// the engine stops answering, since it may come back upgraded.
public actor DockerClient: DockerAPI, DockerEventSource {
    private let host: DockerHost
    /// The TLS files of a `tcp://` host, whose client `httpClient` must have been made with.
    private let tls: ClientTLS?
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let readiness: Readiness?
    private var version: DockerAPIVersion?

    /// - Parameter readiness: told of every answer and failure, for `/readyz`.
    public init(
        host: DockerHost, tls: ClientTLS? = nil, httpClient: HTTPClient, timeout: Duration = .seconds(10),
        readiness: Readiness? = nil
    ) {
        self.host = host
        self.tls = tls
        self.httpClient = httpClient
        self.timeout = timeout
        self.readiness = readiness
    }

    public func ping() async throws {
        _ = try await pingNegotiating()
    }

    public func listContainers() async throws -> [ContainerSummary] {
        let response = try await get("/containers/json")
        guard response.status == .ok else { throw unexpected(response, what: "list of containers") }
        do {
            return try await ContainerListing.decode(Array(response.body.readableBytesView))
        } catch {
            throw PresenceError(.dockerResponse, "Docker's list of containers could not be read: \(error)")
        }
    }

    /// Opens the event stream of container and network events, from `since` (a previous event's resume token)
    /// or from now, and returns once its head has arrived. The stream ends when Docker closes it.
    ///
    /// Docker sends the head at once, Podman only with the first event, so the head may take as long as the
    /// stream may stay silent: `silenceBound`, after which this throws `StreamSilence`.
    public func events(since: String?, silenceBound: Duration) async throws -> DockerEventStream {
        let version = try await apiVersion()
        var query = "filters=" + percentEncoded(#"{"type":["container","network"]}"#)
        if let since { query += "&since=" + since }
        var request = HTTPClientRequest(url: url("/v\(version)/events?\(query)"))
        request.headers.replaceOrAdd(name: "Host", value: "docker")
        let response: HTTPClientResponse
        let sent = ContinuousClock.now
        do {
            // AsyncHTTPClient's deadline covers the head alone; the body lasts as long as Docker runs.
            response = try await httpClient.execute(request, timeout: TimeAmount(silenceBound))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw StreamSilence(bound: silenceBound)
        } catch {
            self.version = nil
            throw failed(unreachable(error))
        }
        readiness?.answered(.docker)
        guard response.status == .ok else {
            let body = try await response.wholeBody(
                answering: request.summary, upTo: 64 * 1024, sent: sent, timeout: timeout)
            throw unexpected(
                HTTPExchange(status: response.status, headers: response.headers, body: body), what: "event stream")
        }
        return DockerEventStream(body: response.body)
    }

    /// A `since` for the present on Docker's clock, which may differ from this host's: a second before the time
    /// in the `Date` header of a `/_ping` answer, to be safe against a clock that ticked meanwhile. Nil when the
    /// answer has no such header. The same answer negotiates the API version if it is not known yet: the event
    /// stream opened next needs it, and at start that spares a round trip.
    public func resumeTokenForNow() async throws -> String? {
        Self.resumeToken(aSecondBefore: try await pingNegotiating().answer.headers.first(name: "Date"))
    }

    static func resumeToken(aSecondBefore date: String?) -> String? {
        date.flatMap(HTTPDate.secondsSince1970).map { String($0 - 1) }
    }

    public func container(named name: String) async throws -> ContainerSnapshot? {
        let response = try await get("/containers/\(percentEncoded(name))/json")
        switch response.status {
        case .ok:
            do {
                return try response.decode(DockerInspectResponse.self).snapshot
            } catch {
                throw PresenceError(
                    .dockerResponse, "Docker's inspect of container '\(name)' could not be read: \(error)")
            }
        case .notFound:
            return nil
        default:
            throw unexpected(response, what: "inspect of container '\(name)'")
        }
    }

    public func bridgeNetwork() async throws -> BridgeNetwork? {
        let response = try await get("/networks/bridge")
        switch response.status {
        case .ok: return (try? response.decode(DockerNetworkResponse.self))?.bridgeNetwork
        case .notFound: return nil
        default: throw unexpected(response, what: "inspect of the bridge network")
        }
    }

    /// The negotiated API version, asking the engine if not known yet.
    func apiVersion() async throws -> DockerAPIVersion {
        if let version { return version }
        return try await pingNegotiating().version
    }

    /// `GET /_ping`, whose answer negotiates the API version when none is known yet; returns the answer and the
    /// version in use.
    private func pingNegotiating() async throws -> (answer: HTTPExchange, version: DockerAPIVersion) {
        let ping = try await send(path: "/_ping")
        guard ping.status == .ok else { throw unexpected(ping, what: "ping") }
        let negotiated = version ?? DockerAPIVersion.negotiated(server: ping.headers.first(name: "API-Version"))
        version = negotiated
        return (ping, negotiated)
    }

    private func get(_ path: String) async throws -> HTTPExchange {
        let version = try await apiVersion()
        return try await send(path: "/v\(version)\(path)")
    }

    private func send(path: String) async throws -> HTTPExchange {
        var request = HTTPClientRequest(url: url(path))
        request.method = .GET
        // Docker rejects HTTP/1.1 without a Host header, which AsyncHTTPClient leaves out on a unix socket.
        request.headers.replaceOrAdd(name: "Host", value: "docker")
        do {
            let response = try await httpClient.exchange(request, timeout: timeout)
            if response.status.code < 500 {
                readiness?.answered(.docker)
            } else {
                readiness?.failed(.docker, "Docker answered \(response.status.code) to GET \(path)")
            }
            return response
        } catch let error as PresenceError {
            throw failed(error)
        } catch {
            version = nil
            throw failed(unreachable(error))
        }
    }

    /// Records `error` for `/readyz` and returns it.
    private func failed(_ error: PresenceError) -> PresenceError {
        readiness?.failed(.docker, error.message)
        return error
    }

    private func url(_ path: String) -> String {
        switch host {
        case .unix(let socket): "http+unix://\(percentEncoded(socket))\(path)"
        case .tcp(let address, let port):
            "\(tls == nil ? "http" : "https")://\(address.contains(":") ? "[\(address)]" : address):\(port)\(path)"
        }
    }

    /// Forgets the negotiated version, after the engine went away: it may come back as another version.
    public func forgetVersion() {
        version = nil
    }

    private func unreachable(_ error: any Error) -> PresenceError {
        guard case .unix(let socket) = host else {
            let failure = ConnectionFailure.explain(error, server: .docker, usesTLS: tls != nil, tls: tls)
            return PresenceError(
                .dockerUnreachable,
                "cannot reach Docker at \(host): \(failure.text)"
                    + (failure.hasAdvice ? "" : "; is dockerd running there?"))
        }
        if access(socket, F_OK) != 0 {
            // A directory on the way that this user may not search hides the socket as well as its absence.
            guard errno != EACCES else {
                return PresenceError(
                    .dockerUnreachable,
                    "cannot reach Docker at \(host): permission denied on a directory on the way to the socket; let "
                        + "the agent's user search it (chmod o+x), or mount the socket elsewhere")
            }
            return PresenceError(
                .dockerUnreachable,
                "cannot reach Docker at \(host): no such file; is dockerd running and the socket mounted?")
        }
        if access(socket, R_OK | W_OK) != 0 {
            return PresenceError(
                .dockerUnreachable,
                "cannot reach Docker at \(host): permission denied; give the agent the socket's group "
                    + "(SupplementaryGroups= in the unit, group_add or --group-add with the socket's group id in a "
                    + "container), or point it at a read-only socket proxy it may use")
        }
        return PresenceError(.dockerUnreachable, "cannot reach Docker at \(host): \(error); is dockerd running?")
    }

    private func unexpected(_ response: HTTPExchange, what: String) -> PresenceError {
        // One line whatever the body holds: a proxy's error page may span many.
        let detail = response.bodyText.prefix(300).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: " \t") }.filter { !$0.isEmpty }.joined(separator: " ")
        if response.status == .forbidden {
            return PresenceError(
                .dockerResponse,
                "Docker refused the \(what) (403 Forbidden: \(detail)); the agent only reads, with GET requests: let "
                    + "them through the proxy or authorization plugin in front of Docker "
                    + "(deploy/docker-socket-proxy.cfg allows exactly those)")
        }
        if case .tcp = host, tls == nil, response.status == .badRequest, detail.contains("HTTPS") {
            return PresenceError(
                .dockerResponse,
                "Docker at \(host) serves TLS (\(detail)); set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or give "
                    + "--docker-cacert, --docker-cert and --docker-key")
        }
        return PresenceError(.dockerResponse, "Docker refused the \(what) (\(response.status.code)): \(detail)")
    }
}
