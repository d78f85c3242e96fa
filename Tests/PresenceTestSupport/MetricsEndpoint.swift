import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The agent's `--metrics-address`, read over loopback as Prometheus and a probe would.
public struct MetricsEndpoint: Sendable {
    public let port: Int

    public init(port: Int) {
        self.port = port
    }

    public var address: String { "127.0.0.1:\(port)" }

    /// The status and body of `GET path`, or nil while nothing answers.
    public func get(_ path: String) async throws -> (status: Int, body: String)? {
        do {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://\(address)\(path)"), timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return nil
        }
    }

    /// Every sample of `/metrics`; empty while nothing answers.
    public func scrape() async throws -> Scrape {
        guard let (status, body) = try await get("/metrics"), status == 200 else { return Scrape(samples: []) }
        return Scrape(text: body)
    }
}

/// The samples of one scrape in Prometheus' text format.
public struct Scrape: Sendable, CustomStringConvertible {
    public struct Sample: Sendable {
        public var name: String
        public var labels: [String: String]
        public var value: Double

        public init(name: String, labels: [String: String], value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }

    public var samples: [Sample]

    public init(samples: [Sample]) { self.samples = samples }

    public init(text: String) {
        samples = text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else {
                return Sample(name: String(series), labels: [:], value: value)
            }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)...].dropLast().split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// The sum of the samples named `name` whose labels include `labels`; nil when there is none.
    public subscript(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    public var description: String {
        samples.map { "\($0.name)\($0.labels.isEmpty ? "" : "\($0.labels)") \($0.value)" }.joined(separator: "\n")
    }
}
