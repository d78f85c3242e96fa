import NIOCore
import NIOHTTP1

/// An open `GET /events` response: the connection it streams to and whether it asked for container events.
struct EventSubscriber: Sendable {
    let channel: any Channel
    /// False when its `filters` name types without `container`: it then receives nothing from this host.
    let wantsContainers: Bool
    /// The stream's `until`, in nanoseconds: events after it are not sent (the handler ends the stream then).
    let until: Int?

    /// Sends one event as one chunk, a JSON object and a newline, as dockerd writes them.
    func send(_ event: SimulatedEvent) {
        guard wantsContainers, until.map({ event.timeNano <= $0 }) ?? true else { return }
        let buffer = ByteBuffer(bytes: JSONBody.bytes(event.json) + [UInt8(ascii: "\n")])
        channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
    }
}
