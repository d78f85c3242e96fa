import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Reads a registry through etcd's v3 gateway: a range for the keys, the lease of each for the TTL left, and
/// the streaming watch for changes.
struct EtcdV3RegistrySource: RegistrySource {
    let session: EtcdV3Session
    let transport: EtcdTransport
    let root: String

    private var directory: String { root + "/" }

    func read() async throws -> RegistrySnapshot {
        let request = EtcdV3.RangeRequest(
            key: EtcdV3.base64(directory), range_end: EtcdV3.rangeEnd(ofPrefix: directory), keys_only: false)
        let response = try await post("/v3/kv/range", request, what: "read of \(directory)")
        let kvs = (try? response.decode(EtcdV3.RangeResponse.self))?.kvs ?? []
        let revision = (try? response.decode(EtcdV3.HeaderResponse.self))?.header?.revision.flatMap { Int64($0) }
        guard let revision else {
            throw PresenceError(.etcdRejected, "etcd answered the read of \(directory) without a revision")
        }
        let records = try await records(kvs)
        return RegistrySnapshot(
            records: Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { $1 }), position: revision)
    }

    func follow(after position: Int64, _ apply: ([RegistryUpdate]) async throws -> Void) async throws {
        let request = EtcdV3.WatchRequest(
            create_request: .init(
                key: EtcdV3.base64(directory), range_end: EtcdV3.rangeEnd(ofPrefix: directory),
                start_revision: String(position + 1)))
        let response = try await transport.open(
            .POST, "/v3/watch", body: ByteBuffer(bytes: try JSONEncoder().encode(request)),
            authorization: try await session.authorization())
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 64 * 1024)
            throw PresenceError(
                .etcdRejected,
                "etcd refused the watch of \(directory) (\(response.status.code)): \(String(buffer: body))")
        }
        var splitter = JSONObjectSplitter()
        let decoder = JSONDecoder()
        for try await chunk in response.body {
            for output in splitter.feed(chunk.readableBytesView) {
                guard case .object(let bytes) = output else { continue }
                let data = Data(bytes)
                if let failure = try? decoder.decode(EtcdV3.ErrorResponse.self, from: data), !failure.text.isEmpty {
                    if EtcdV3.needsNewToken(failure) { await session.tokenRefused() }
                    throw PresenceError(.etcdRejected, "etcd ended the watch of \(directory): \(failure.text)")
                }
                guard let result = try? decoder.decode(EtcdV3.WatchResponse.self, from: data).result else { continue }
                if let compacted = result.compact_revision.flatMap({ Int64($0) }), compacted > 0 {
                    throw RegistryHistoryLost()
                }
                if result.canceled == true {
                    throw PresenceError(
                        .etcdRejected,
                        "etcd cancelled the watch of \(directory): \(result.cancel_reason ?? "no reason given")")
                }
                let events = result.events ?? []
                guard !events.isEmpty else { continue }
                try await apply(try await updates(events))
            }
        }
    }

    private func updates(_ events: [EtcdV3.WatchResponse.Event]) async throws -> [RegistryUpdate] {
        let puts = try await records(events.filter { $0.type != "DELETE" }.compactMap(\.kv))
        var putsByKey = Dictionary(puts.map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        var updates: [RegistryUpdate] = []
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
    private func records(_ kvs: [EtcdV3.RangeResponse.KeyValue]) async throws -> [RegistryRecord] {
        var ttls: [String: Int?] = [:]
        for lease in Set(kvs.compactMap(\.lease)) where lease != "0" {
            ttls[lease] = try await timeToLive(lease)
        }
        return kvs.compactMap { kv in
            guard let key = EtcdV3.decodeBase64(kv.key) else { return nil }
            let value = kv.value.flatMap(EtcdV3.decodeBase64) ?? ""
            return RegistryRecord(key: key, value: value, ttl: kv.lease.flatMap { ttls[$0] } ?? nil)
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
        guard response.status == .ok else {
            let failure = try? response.decode(EtcdV3.ErrorResponse.self)
            let endpoint = await transport.currentEndpoint
            if let failure, EtcdV3.isPermissionDenied(failure) {
                throw PresenceError(
                    .etcdRejected,
                    "etcd at \(endpoint) denied the \(what) (permission denied); the user's role needs read on "
                        + "\(directory): etcdctl role grant-permission --prefix=true ROLE read \(directory)")
            }
            if let failure, EtcdV3.isAuthenticationRequired(failure) {
                throw PresenceError(
                    .etcdRejected,
                    "etcd at \(endpoint) refused the \(what): it requires authentication; give --etcd-user and "
                        + "ETCD_PASSWORD or --etcd-password-file")
            }
            throw PresenceError(
                .etcdRejected,
                "etcd at \(endpoint) refused the \(what) (\(response.status.code)): "
                    + (failure?.text ?? String(response.bodyText.prefix(200))))
        }
        return response
    }
}
