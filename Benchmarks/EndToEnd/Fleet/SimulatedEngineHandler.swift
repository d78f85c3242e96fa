import NIOCore
import NIOHTTP1

/// Answers one connection to a simulated host's socket: the part of the Engine API the agent calls
/// (DockerClient): `/_ping` (GET and HEAD), `/version`, `/containers/json`, `/containers/{id}/json`,
/// `/networks/bridge` and the streaming `/events`. NIOHTTP1 parses and encodes HTTP/1.1 (keep-alive,
/// pipelining, chunked bodies); this only routes and writes the answers.
final class SimulatedEngineHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The API version it reports in `API-Version`, which the agent negotiates down to its own newest.
    static let apiVersion = "1.45"

    private let host: SimulatedHost
    private var head: HTTPRequestHead?

    init(host: SimulatedHost) {
        self.host = host
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let request = EngineRequest(head)
        guard request.method == .GET || (request.method == .HEAD && request.path == "/_ping") else {
            return send(
                .methodNotAllowed, json: ["message": "the simulated engine only reads"] as [String: String], head,
                context)
        }
        switch request.path {
        case "/_ping":
            send(.ok, text: "OK", head, context)
        case "/version":
            send(
                .ok,
                json: [
                    "Version": "26.1.5", "ApiVersion": Self.apiVersion, "MinAPIVersion": "1.24", "Os": "linux",
                    "Arch": "amd64", "KernelVersion": "simulated", "GoVersion": "go1.22",
                ] as [String: String], head, context)
        case "/containers/json":
            send(.ok, json: host.running.map { $0.listEntry(gateway: host.gateway) }, head, context)
        case "/networks/bridge":
            send(
                .ok,
                json: [
                    "Name": "bridge", "Id": String(repeating: "b", count: 64), "Driver": "bridge", "Scope": "local",
                    "EnableIPv6": false,
                    "IPAM": ["Driver": "default", "Config": [["Subnet": host.subnet, "Gateway": host.gateway]]]
                        as [String: Any],
                    "Options": ["com.docker.network.bridge.name": "docker0"],
                ] as [String: Any], head, context)
        case "/events":
            streamEvents(request, head, context)
        case let path where path.hasPrefix("/containers/") && path.hasSuffix("/json"):
            let reference = String(path.dropFirst("/containers/".count).dropLast("/json".count))
            if let container = host.container(reference) {
                send(.ok, json: container.inspect(gateway: host.gateway), head, context)
            } else {
                send(.notFound, json: ["message": "No such container: \(reference)"] as [String: String], head, context)
            }
        default:
            send(.notFound, json: ["message": "page not found"] as [String: String], head, context)
        }
    }

    /// dockerd's headers on every answer; the agent reads `API-Version` and `Date`.
    private func headers(contentType: String) -> HTTPHeaders {
        [
            "Content-Type": contentType, "Api-Version": Self.apiVersion, "Docker-Experimental": "false",
            "Ostype": "linux", "Server": "Docker/26.1.5 (linux)", "Date": HTTPDateHeader.now(),
        ]
    }

    private func send(
        _ status: HTTPResponseStatus, json: Any, _ head: HTTPRequestHead, _ context: ChannelHandlerContext
    ) {
        send(status, body: JSONBody.bytes(json) + [UInt8(ascii: "\n")], type: "application/json", head, context)
    }

    private func send(
        _ status: HTTPResponseStatus, text: String, _ head: HTTPRequestHead, _ context: ChannelHandlerContext
    ) {
        send(status, body: Array(text.utf8), type: "text/plain; charset=utf-8", head, context)
    }

    private func send(
        _ status: HTTPResponseStatus, body: [UInt8], type: String, _ head: HTTPRequestHead,
        _ context: ChannelHandlerContext
    ) {
        var headers = headers(contentType: type)
        headers.add(name: "Content-Length", value: String(body.count))
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    /// `GET /events`: the head at once (as dockerd sends it), the kept events from `since`, then each new event
    /// as it happens, until `until` or until the client goes. The body is chunked and never ends otherwise.
    private func streamEvents(_ request: EngineRequest, _ head: HTTPRequestHead, _ context: ChannelHandlerContext) {
        let channel = context.channel
        let now = WallClock.now
        let until = request.timestamp("until")
        context.writeAndFlush(
            wrapOutboundOut(
                .head(
                    HTTPResponseHead(
                        version: head.version, status: .ok, headers: headers(contentType: "application/json")))),
            promise: nil)
        let subscriber = EventSubscriber(channel: channel, wantsContainers: request.wantsContainerEvents, until: until)
        host.subscribe(subscriber, since: request.timestamp("since"))
        let host = self.host
        channel.closeFuture.whenComplete { _ in host.unsubscribe(channel) }
        if let until {
            // The stream ends at `until`, as dockerd's does; without it, it lasts as long as the connection.
            let end: @Sendable () -> Void = {
                host.unsubscribe(channel)
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
            }
            if until <= now {
                end()
            } else {
                channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(until - now))) { end() }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
