import AsyncHTTPClient

/// etcd's v3 watch stream as the gateway writes it, one JSON object per line, turned into what each message
/// means to a follower. A revision that etcd split into fragments is handed over whole, once its last fragment
/// is in.
struct EtcdV3WatchStream {
    enum Message: Equatable {
        /// etcd created the watch.
        case created
        /// Keys changed: the events of one whole watch response.
        case changes([EtcdV3.WatchResponse.Event])
        /// Nothing changed: etcd says the watch is alive and up to date (a progress notification).
        case progress
        /// etcd compacted the history the watch needed.
        case historyLost
        /// etcd cancelled the watch, for this reason.
        case cancelled(String)
        /// The gateway reported an error and ended the stream.
        case failed(EtcdV3.ErrorResponse)
        /// A message was dropped (too large, cut short) or could not be read: changes may have been missed.
        case unreadable(String)
    }

    /// A message as large as any answer the agent reads. etcd splits a revision larger than its request limit
    /// (1.5 MiB by default, so under 2.1 MiB as base64 in JSON) into fragments, so one this large means an etcd
    /// configured to allow more, and is read as `unreadable`.
    private var splitter = JSONObjectSplitter(maximumObjectSize: HTTPClient.responseLimit)
    private var fragments: [EtcdV3.WatchResponse.Event] = []
    private let decoder = JSONDecoder()

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Message] {
        splitter.feed(bytes).compactMap { output in
            switch output {
            case .malformed(let reason): return .unreadable(reason)
            case .object(let bytes): return message(Data(bytes))
            }
        }
    }

    private mutating func message(_ data: Data) -> Message? {
        if let failure = try? decoder.decode(EtcdV3.ErrorResponse.self, from: data), !failure.text.isEmpty {
            return .failed(failure)
        }
        guard let result = try? decoder.decode(EtcdV3.WatchResponse.self, from: data).result else {
            return .unreadable("a message could not be read: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        if let compacted = result.compact_revision.flatMap({ Int64($0) }), compacted > 0 { return .historyLost }
        if result.canceled == true { return .cancelled(result.cancel_reason ?? "no reason given") }
        if result.created == true { return .created }
        fragments += result.events ?? []
        if result.fragment == true { return nil }
        defer { fragments = [] }
        return fragments.isEmpty ? .progress : .changes(fragments)
    }
}
