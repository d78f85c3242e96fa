import Foundation

/// The servers `scripts/test-servers.sh` started, read from the environment `scripts/test.sh` sets.
///
/// A missing variable fails the test with a message saying how to run it: integration tests never skip.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public var name: String
        public var description: String {
            "\(name) is not set: run the integration tests with scripts/test.sh, which starts etcd and dockerd"
        }
    }

    public static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw Missing(name: name) }
        return value
    }

    /// The shared etcd (v2 API enabled), as `http://127.0.0.1:PORT`.
    public static func etcd() throws -> String { try value("PRESENCE_TEST_ETCD") }
    /// The test dockerd, as `unix:///…/docker.sock`.
    public static func dockerHost() throws -> String { try value("PRESENCE_TEST_DOCKER_HOST") }
    /// The test dockerd's TLS listener (`--tlsverify`), as `tcp://127.0.0.1:PORT`.
    public static func dockerTLSHost() throws -> String { try value("PRESENCE_TEST_DOCKER_TLS_HOST") }
    /// A directory holding `ca.pem`, `cert.pem` and `key.pem` for that listener, as `DOCKER_CERT_PATH` does.
    public static func dockerCertPath() throws -> String { try value("PRESENCE_TEST_DOCKER_CERT_PATH") }
    /// A tiny offline image holding busybox; its default command sleeps.
    public static func image() throws -> String { try value("PRESENCE_TEST_IMAGE") }
    /// The agent's executable.
    public static func binary() throws -> String { try value("PRESENCE_BINARY") }
    /// The agent's image, built by scripts/build-image.sh.
    public static func agentImage() throws -> String { try value("PRESENCE_TEST_AGENT_IMAGE") }
    /// The checkout this target was built from: the scripts, deployment files and docs tests read.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The etcd that tests starting their own servers (``EtcdServer``, ``EtcdCluster``) run: the engine set's
    /// etcd that scripts/test.sh chose (`PRESENCE_TEST_ETCD_BINARY`, an absolute path), else `etcd` from PATH.
    public static var etcdExecutable: String {
        let chosen = ProcessInfo.processInfo.environment["PRESENCE_TEST_ETCD_BINARY"] ?? ""
        return chosen.isEmpty ? "etcd" : chosen
    }
}

/// A prefix no other test uses, so tests can share one etcd and run in parallel.
public func uniquePrefix(_ label: String = #function) -> String {
    let name = label.prefix { $0.isLetter || $0.isNumber }
    return "/test-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// A container name no other test uses.
public func uniqueName(_ label: String) -> String {
    "\(label)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Polls `condition` until it holds or `timeout` passes; returns how long it took, or nil if it never held.
@discardableResult
public func eventually(
    timeout: Duration = .seconds(30),
    every poll: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws -> Duration? {
    let clock = ContinuousClock()
    let start = clock.now
    while clock.now - start < timeout {
        if try await condition() { return clock.now - start }
        try await Task.sleep(for: poll)
    }
    return try await condition() ? clock.now - start : nil
}

/// Whole milliseconds of a duration, for the figures tests print.
public func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}
