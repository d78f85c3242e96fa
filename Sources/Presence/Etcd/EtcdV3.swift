/// The JSON bodies of etcd's v3 gateway. Keys and values travel base64-encoded and 64-bit numbers as strings.
enum EtcdV3 {
    struct LeaseGrantRequest: Encodable {
        var TTL: Int
    }

    struct LeaseRequest: Encodable {
        var ID: String
    }

    struct LeaseGrantResponse: Decodable {
        var ID: String?
        var TTL: String?
    }

    struct KeepAliveResponse: Decodable {
        struct Result: Decodable {
            var ID: String?
            var TTL: String?
        }
        var result: Result?
    }

    struct RangeRequest: Encodable {
        var key: String
        var range_end: String
        var keys_only = true
        /// At most this many keys; nil for all of them.
        var limit: Int?
    }

    struct RangeResponse: Decodable {
        struct KeyValue: Decodable, Equatable {
            var key: String
            var value: String?
            var lease: String?
        }
        var kvs: [KeyValue]?
    }

    struct DeleteRangeRequest: Encodable {
        var key: String
        var range_end: String
    }

    struct TxnRequest: Encodable {
        struct Put: Encodable {
            var key: String
            var value: String
            var lease: String
        }
        struct Delete: Encodable {
            var key: String
            /// Set to delete every key from `key` up to it: a whole directory.
            var range_end: String?
        }
        struct Operation: Encodable {
            var requestPut: Put?
            var requestDeleteRange: Delete?
            var requestRange: RangeRequest?
        }
        var success: [Operation]
    }

    /// What a transaction's operations answered, in their order; only ranges' answers are read.
    struct TxnResponse: Decodable {
        struct Response: Decodable {
            var response_range: RangeResponse?
        }
        var responses: [Response]?
    }

    struct AuthenticateRequest: Encodable {
        var name: String
        var password: String
    }

    struct AuthenticateResponse: Decodable {
        var token: String?
    }

    /// What the gateway answers when a request fails.
    struct ErrorResponse: Decodable, Equatable {
        var error: String?
        var message: String?
        var code: Int?

        private enum CodingKeys: String, CodingKey { case error, message, code }

        /// How a streaming endpoint (the lease keep-alive) reports an error, with status 200.
        private struct StreamError: Decodable {
            var message: String?
            var grpc_code: Int?
        }

        /// etcd's text of the error, from whichever field holds it; empty for an answer that is no error.
        var text: String { error ?? message ?? "" }

        init(error: String? = nil, message: String? = nil, code: Int? = nil) {
            self.error = error
            self.message = message
            self.code = code
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try? container.decodeIfPresent(String.self, forKey: .error) {
                error = text
            } else if let stream = try? container.decodeIfPresent(StreamError.self, forKey: .error) {
                error = stream.message
                code = stream.grpc_code
            }
            message = try? container.decodeIfPresent(String.self, forKey: .message)
            code = code ?? (try? container.decodeIfPresent(Int.self, forKey: .code))
        }
    }

    static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    static func decodeBase64(_ text: String) -> String? {
        Data(base64Encoded: text).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// The end of the range holding every key that starts with `prefix`: the prefix with its last byte raised.
    static func rangeEnd(ofPrefix prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return Data(bytes).base64EncodedString()
            }
            bytes.removeLast()
        }
        return base64("\0")
    }
    /// Marks an error response that means the lease is gone (gRPC code 5, NotFound).
    static func isLeaseNotFound(_ response: ErrorResponse) -> Bool {
        response.text.contains("lease not found")
    }

    /// Marks the refusal of a transaction longer than the server's `--max-txn-ops`; etcd applied none of it.
    static func isTooManyOperations(_ response: ErrorResponse) -> Bool {
        response.text.contains("too many operations in txn request")
    }

    /// Marks an error response that asks for a new token: the one sent expired or etcd forgot it ("invalid auth
    /// token"), the user's roles changed since it was issued ("revision of auth store is old"), or none was sent
    /// to an etcd that now requires one ("user name is empty").
    static func needsNewToken(_ response: ErrorResponse) -> Bool {
        let text = response.text
        return ["invalid auth token", "auth store is old", "user name is empty"].contains { text.contains($0) }
    }

    /// Marks the answer to a request without a token to an etcd that requires one.
    static func isAuthenticationRequired(_ response: ErrorResponse) -> Bool {
        response.text.contains("user name is empty")
    }

    /// Marks the answer to an authentication with a wrong user or password.
    static func isAuthenticationFailure(_ response: ErrorResponse) -> Bool {
        response.text.contains("authentication failed")
    }

    /// Marks the answer to an authentication against an etcd that has authentication disabled.
    static func isAuthenticationDisabled(_ response: ErrorResponse) -> Bool {
        response.text.contains("authentication is not enabled")
    }

    /// Marks a request for a key the user's roles do not grant.
    static func isPermissionDenied(_ response: ErrorResponse) -> Bool {
        response.text.contains("permission denied")
    }
}
