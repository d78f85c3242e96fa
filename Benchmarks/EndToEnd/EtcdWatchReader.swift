import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PresenceTestSupport

/// An etcd v3 watch through the gateway's streaming `POST /v3/watch`, as a consumer holds one, recording each
/// event with its arrival time.
struct EtcdWatchReader: Sendable {
    private let response: HTTPClientResponse

    private struct Message: Decodable {
        struct Result: Decodable {
            struct Header: Decodable { var revision: String? }
            struct Event: Decodable {
                struct KeyValue: Decodable {
                    var key: String
                    var modRevision: String?
                    enum CodingKeys: String, CodingKey {
                        case key
                        case modRevision = "mod_revision"
                    }
                }
                var type: String?
                var kv: KeyValue
            }
            var header: Header?
            var events: [Event]?
            var created: Bool?
            var canceled: Bool?
        }
        struct Failure: Decodable { var message: String? }
        var result: Result?
        var error: Failure?
    }

    /// Opens a watch of every key under `prefix`; returns once etcd has answered.
    init(etcd: EtcdGateway, prefix: String) async throws {
        var request = HTTPClientRequest(url: etcd.endpoint + "/v3/watch")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let create = [
            "create_request": ["key": EtcdReader.b64(prefix), "range_end": EtcdReader.prefixEnd(prefix)]
        ]
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: create)))
        // AsyncHTTPClient's deadline covers the head alone; the body lasts as long as the run.
        response = try await etcd.client.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw BenchmarkError("etcd refused the watch: \(response.status)") }
    }

    /// Reads the watch into `observations` until cancelled; an end or an error before that fails every wait.
    func run(into observations: Observations) async {
        await JSONLineStream.follow(
            response, as: Message.self, named: "the etcd watch", failing: observations
        ) { message, arrival in
            if let error = message.error { throw BenchmarkError("etcd watch error: \(error.message ?? "?")") }
            guard let result = message.result else { return }
            if result.canceled == true { throw BenchmarkError("etcd cancelled the watch") }
            record(result, arrival: arrival, into: observations)
        }
    }

    private func record(_ result: Message.Result, arrival: Int, into observations: Observations) {
        let headerRevision = Int(result.header?.revision ?? "") ?? 0
        observations.update { state in
            if result.created == true { state.watchCreated = true }
            for event in result.events ?? [] {
                let key = Data(base64Encoded: event.kv.key).map { String(decoding: $0, as: UTF8.self) } ?? ""
                let revision = Int(event.kv.modRevision ?? "") ?? headerRevision
                if event.type == "DELETE" {
                    state.recordDelete(key: key, revision: revision, arrival: arrival)
                } else {
                    state.recordPut(key: key, revision: revision, arrival: arrival)
                }
            }
        }
    }
}
