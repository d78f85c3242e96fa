import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Reads a registry through etcd's v3 gateway: a range for the keys, the lease of each for the TTL left, and
/// the streaming watch for changes.
struct EtcdV3RegistrySource: RegistrySource {
    let session: EtcdV3Session
    let transport: EtcdTransport
    let root: String
    /// How long a watch may stay silent, learnt from etcd's progress notifications.
    let silence = LearntWatchSilenceBound()

    private var directory: String { root + "/" }

    func read() async throws -> EtcdKeySnapshot {
        let request = EtcdV3.RangeRequest(
            key: EtcdV3.base64(directory), range_end: EtcdV3.rangeEnd(ofPrefix: directory), keys_only: false)
        let response = try await post("/v3/kv/range", request, what: "read of \(directory)")
        let kvs = (try? response.decode(EtcdV3.RangeResponse.self))?.kvs ?? []
        let revision = (try? response.decode(EtcdV3.HeaderResponse.self))?.header?.revision.flatMap { Int64($0) }
        guard let revision else {
            throw PresenceError(.etcdRejected, "etcd answered the read of \(directory) without a revision")
        }
        let records = try await records(kvs)
        return EtcdKeySnapshot(
            records: Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { $1 }), position: revision)
    }

    func follow(after position: Int64, _ apply: ([EtcdKeyChange]) async throws -> Void) async throws {
        let request = EtcdV3.WatchRequest(
            create_request: .init(
                key: EtcdV3.base64(directory), range_end: EtcdV3.rangeEnd(ofPrefix: directory),
                start_revision: String(position + 1)))
        let sent = ContinuousClock.now
        let response = try await transport.open(
            .POST, "/v3/watch", body: ByteBuffer(bytes: try JSONEncoder().encode(request)),
            authorization: try await session.authorization())
        guard response.status == .ok else {
            let body = try await response.wholeBody(
                answering: "the watch of \(directory)", upTo: 64 * 1024, sent: sent, timeout: transport.timeout)
            let exchange = HTTPExchange(status: response.status, headers: response.headers, body: body)
            throw await refusal(of: "watch of \(directory)").v3(exchange)
        }
        let silence = self.silence
        try await withThrowingDiscardingTaskGroup { group in
            let (chunks, reader) = SilenceBoundedChunks.make(reading: response.body, silentAfter: { silence.bound })
            group.addTask { await reader.run() }
            defer { group.cancelAll() }
            var stream = EtcdV3WatchStream()
            var lastHeard = ContinuousClock.now
            do {
                for try await chunk in chunks {
                    for message in stream.feed(chunk.readableBytesView) {
                        let heard = ContinuousClock.now
                        defer { lastHeard = heard }
                        try await follow(message, apply, progressAfter: heard - lastHeard)
                    }
                }
            } catch let silent as StreamSilence {
                throw WatchMissedChanges(
                    description: "etcd's watch of \(directory) sent nothing for \(Int(silent.bound.seconds)) s, not "
                        + "even a progress notification")
            }
        }
    }

    /// Acts on one message of the watch stream.
    private func follow(
        _ message: EtcdV3WatchStream.Message, _ apply: ([EtcdKeyChange]) async throws -> Void,
        progressAfter wait: Duration
    ) async throws {
        switch message {
        case .created:
            break
        case .progress:
            silence.progress(after: wait)
        case .changes(let events):
            try await apply(try await updates(events))
        case .historyLost:
            throw WatchHistoryLost()
        case .cancelled(let reason):
            throw PresenceError(.etcdRejected, "etcd cancelled the watch of \(directory): \(reason)")
        case .failed(let failure):
            if EtcdV3.needsNewToken(failure) { await session.tokenRefused() }
            throw PresenceError(.etcdRejected, "etcd ended the watch of \(directory): \(failure.text)")
        case .unreadable(let reason):
            throw WatchMissedChanges(description: "a message of etcd's watch of \(directory) was lost (\(reason))")
        }
    }

    private func updates(_ events: [EtcdV3.WatchResponse.Event]) async throws -> [EtcdKeyChange] {
        let puts = try await records(events.filter { $0.type != "DELETE" }.compactMap(\.kv))
        var putsByKey = Dictionary(puts.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        var updates: [EtcdKeyChange] = []
        for event in events {
            guard let key = event.kv.flatMap({ EtcdV3.decodeBase64($0.key) }) else { continue }
            if event.type == "DELETE" {
                updates.append(.delete(key))
            } else if let record = putsByKey.removeValue(forKey: key) {
                updates.append(.put(record))
            }
        }
        return updates
    }

    /// The key-values with the TTL of their lease, asked once per distinct lease.
    private func records(_ kvs: [EtcdV3.RangeResponse.KeyValue]) async throws -> [EtcdKeyValue] {
        var ttls: [String: Int?] = [:]
        for lease in Set(kvs.compactMap(\.lease)) where lease != "0" {
            ttls[lease] = try await timeToLive(lease)
        }
        return kvs.compactMap { kv in
            guard let key = EtcdV3.decodeBase64(kv.key) else { return nil }
            let value = kv.value.flatMap(EtcdV3.decodeBase64) ?? ""
            return EtcdKeyValue(key: key, value: value, ttl: kv.lease.flatMap { ttls[$0] } ?? nil)
        }
    }

    /// Seconds the lease has left; nil if etcd no longer knows it.
    private func timeToLive(_ lease: String) async throws -> Int? {
        let response = try await post(
            "/v3/lease/timetolive", EtcdV3.LeaseRequest(ID: lease), what: "TTL of lease \(lease)")
        guard let ttl = (try? response.decode(EtcdV3.TimeToLiveResponse.self))?.TTL.flatMap({ Int($0) }), ttl >= 0
        else { return nil }
        return ttl
    }

    private func post(_ path: String, _ body: some Encodable, what: String) async throws -> HTTPExchange {
        let response = try await session.post(path, ByteBuffer(bytes: try JSONEncoder().encode(body)))
        guard response.status == .ok else { throw await refusal(of: what).v3(response) }
        return response
    }

    /// The reading of etcd's refusal of the `what`: listing reads the root and nothing else.
    private func refusal(of what: String) async -> EtcdRefusal {
        await session.refusal(of: what, needs: .read, on: [root])
    }
}
