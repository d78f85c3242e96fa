import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Every container event of the host, as the agent sees the same stream, recorded with its arrival time.
struct DockerEventReader: Sendable {
    private let response: HTTPClientResponse
    private let runID: String

    /// The fields of an event the figures use; `status` and `id` are what older engines send instead of
    /// `Action` and `Actor.ID`.
    private struct Event: Decodable {
        struct Actor: Decodable {
            var id: String?
            var attributes: [String: String]?
            enum CodingKeys: String, CodingKey {
                case id = "ID"
                case attributes = "Attributes"
            }
        }
        var action: String?
        var status: String?
        var id: String?
        var actor: Actor?
        var timeNano: Int?
        enum CodingKeys: String, CodingKey {
            case action = "Action"
            case status, id
            case actor = "Actor"
            case timeNano
        }
    }

    /// Opens `GET /events` for containers; returns once Docker has answered, so no later event is missed.
    init(docker: DockerEngine, runID: String) async throws {
        var request = docker.makeRequest("/events?filters=" + DockerEngine.encoded(#"{"type":["container"]}"#))
        request.method = .GET
        // AsyncHTTPClient's deadline covers the head alone; the body lasts as long as the run.
        response = try await docker.client.execute(request, timeout: .seconds(10))
        guard response.status == .ok else {
            throw BenchmarkError("Docker refused the event stream: \(response.status)")
        }
        self.runID = runID
    }

    /// Reads the stream into `observations` until cancelled; an end or an error before that fails every wait.
    func run(into observations: Observations) async {
        await JSONLineStream.follow(
            response, as: Event.self, named: "Docker's event stream", failing: observations
        ) { event, arrival in
            let ours = event.actor?.attributes?[DockerEngine.runLabel] == runID
            observations.update {
                $0.recordDockerEvent(
                    containerID: event.actor?.id ?? event.id ?? "", action: event.action ?? event.status ?? "",
                    time: event.timeNano ?? 0, ours: ours, arrival: arrival)
            }
        }
    }
}
