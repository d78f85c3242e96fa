import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The Engine API over a unix socket, as the docker CLI sends it: what the benchmark does to containers, apart
/// from the agent's own client.
struct DockerEngine: Sendable {
    /// On every container the benchmark makes: what cleanup removes.
    static let runLabel = "presence-bench.run"
    /// On the containers the agent under test registers (its `--label`).
    static let selectLabel = "presence-bench.select"

    let host: String
    let image: String
    let client: HTTPClient
    private let socketPath: String

    init(host: String, image: String, client: HTTPClient) throws {
        guard host.hasPrefix("unix://") else {
            throw BenchmarkError("only unix:// Docker hosts are supported, not \(host)")
        }
        self.host = host
        self.image = image
        self.client = client
        socketPath = String(host.dropFirst("unix://".count))
    }

    func request(
        _ method: HTTPMethod, _ path: String, body: [String: Any]? = nil, accepting: Set<UInt> = [200, 201, 204, 304],
        timeout: Duration = .seconds(60)
    ) async throws -> Any? {
        let (status, bytes) = try await exchange(method, path, body: body, timeout: timeout)
        guard accepting.contains(status) else {
            throw BenchmarkError(
                "Docker API \(method) \(path) answered \(status): \(String(decoding: bytes.prefix(300), as: UTF8.self))"
            )
        }
        return bytes.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(bytes))
    }

    private func exchange(_ method: HTTPMethod, _ path: String, body: [String: Any]?, timeout: Duration)
        async throws -> (UInt, [UInt8])
    {
        var request = makeRequest(path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            return (response.status.code, Array(bytes.readableBytesView))
        } catch {
            throw BenchmarkError("Docker API \(method) \(path) failed: \(error)")
        }
    }

    /// A request to `path` on the socket.
    func makeRequest(_ path: String) -> HTTPClientRequest {
        let encoded = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketPath
        var request = HTTPClientRequest(url: "http+unix://\(encoded)\(path)")
        // Docker rejects HTTP/1.1 without a Host header, which AsyncHTTPClient leaves out on a unix socket.
        request.headers.replaceOrAdd(name: "Host", value: "docker")
        return request
    }

    /// Creates a container of the test image with `--init`, labelled for this run (and for the agent when
    /// `selected`), publishing each of `ports` on `hostIP` (every interface when empty); returns its id.
    func create(name: String, ports: [Int], runID: String, selected: Bool = true, hostIP: String = "")
        async throws -> String
    {
        var labels = [Self.runLabel: runID]
        if selected { labels[Self.selectLabel] = runID }
        let body: [String: Any] = [
            "Image": image,
            "Labels": labels,
            "ExposedPorts": Dictionary(uniqueKeysWithValues: ports.map { ("\($0)/tcp", [String: Any]()) }),
            "HostConfig": [
                "Init": true,  // docker run --init: a stop is quick
                "PortBindings": Dictionary(
                    uniqueKeysWithValues: ports.map { ("\($0)/tcp", [["HostIp": hostIP, "HostPort": ""]]) }),
            ] as [String: Any],
        ]
        let answer = try await request(.POST, "/containers/create?name=\(Self.encoded(name))", body: body)
        guard let id = (answer as? [String: Any])?["Id"] as? String else {
            throw BenchmarkError("Docker created \(name) but answered no id")
        }
        return id
    }

    func start(_ id: String) async throws {
        _ = try await request(.POST, "/containers/\(id)/start")
    }

    func stop(_ id: String) async throws {
        _ = try await request(.POST, "/containers/\(id)/stop?t=10", timeout: .seconds(30))
    }

    func kill(_ id: String) async throws {
        _ = try await request(.POST, "/containers/\(id)/kill", accepting: [204, 409])
    }

    func remove(_ id: String) async throws {
        _ = try await request(.DELETE, "/containers/\(id)?force=1&v=1", accepting: [200, 204, 404, 409])
    }

    /// `GET /containers/ID/json`: whether the container runs.
    @discardableResult
    func isRunning(_ id: String) async throws -> Bool {
        let answer = try await request(.GET, "/containers/\(id)/json") as? [String: Any]
        return (answer?["State"] as? [String: Any])?["Running"] as? Bool ?? false
    }

    /// The ids of every container of run `runID`, running or not.
    func containers(ofRun runID: String) async throws -> [String] {
        let filters = Self.encoded(#"{"label":["\#(Self.runLabel)=\#(runID)"]}"#)
        let answer = try await request(.GET, "/containers/json?all=1&filters=\(filters)") as? [[String: Any]]
        return answer?.compactMap { $0["Id"] as? String } ?? []
    }

    /// `20.10.24+dfsg1 (API 1.41)`.
    func version() async throws -> String {
        let answer = try await request(.GET, "/version") as? [String: Any]
        return "\(answer?["Version"] as? String ?? "?") (API \(answer?["ApiVersion"] as? String ?? "?"))"
    }

    func checkImage() async throws {
        do {
            _ = try await request(.GET, "/images/\(image)/json")
        } catch {
            throw BenchmarkError(
                "the image \(image) is missing from \(host) (\(error)); scripts/test-servers.sh start DIR builds it")
        }
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
