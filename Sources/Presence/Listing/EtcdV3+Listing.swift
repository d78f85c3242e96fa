/// The v3 gateway's bodies for reading a registry: the revision a range was read at, the TTL left on a lease,
/// and the watch stream.
extension EtcdV3 {
    struct ResponseHeader: Decodable {
        var revision: String?
    }

    /// The header of any response, for the revision it was answered at.
    struct HeaderResponse: Decodable {
        var header: ResponseHeader?
    }

    struct TimeToLiveResponse: Decodable {
        var TTL: String?
    }

    struct WatchRequest: Encodable {
        struct Create: Encodable {
            var key: String
            var range_end: String
            var start_revision: String
            /// Asks etcd to say, while nothing changes, that the watch is alive and up to date.
            var progress_notify = true
            /// Asks etcd to split a revision too large for one message (over its `--max-request-bytes`) into several.
            var fragment = true
        }
        var create_request: Create
    }

    /// One object of the watch stream: the watch was created, cancelled, or some keys changed.
    struct WatchResponse: Decodable {
        struct Event: Decodable, Equatable {
            /// `PUT` (which the gateway may leave out, as the enum's default) or `DELETE`.
            var type: String?
            var kv: RangeResponse.KeyValue?
        }
        struct Result: Decodable {
            var header: ResponseHeader?
            var created: Bool?
            var canceled: Bool?
            var compact_revision: String?
            var cancel_reason: String?
            var events: [Event]?
            /// More messages follow with the rest of this one's events.
            var fragment: Bool?
        }
        var result: Result?
    }
}
