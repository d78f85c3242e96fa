import Foundation
import PresenceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The private etcd the fault tests stop, wipe and start again: a port taken between its choice and the start
/// must not fail a test about the agent.
@Suite("A private etcd whose port is taken", .timeLimit(.minutes(2)))
struct PrivateEtcdTests {
    @Test func aTakenPeerPortIsReplacedWhileThereIsNoData() async throws {
        let server = try EtcdServer()
        let chosen = server.peerPort
        let holder = try Listener(port: chosen)
        defer { holder.close() }
        try await server.start()
        defer { server.stop() }
        #expect(server.peerPort != chosen)
        let health = try await shell(["curl", "-sf", server.endpoint + "/health"])
        #expect(health.contains("true"), "\(health)")
    }

    @Test func aTakenClientPortFailsSoonAndSaysWhatHeldIt() async throws {
        let server = try EtcdServer()
        let holder = try Listener(port: server.clientPort)
        defer { holder.close() }
        let start = ContinuousClock.now
        let error = await #expect(throws: ShellError.self) { try await server.start() }
        // Five launches a second apart, not five waits of 30 s for a health that cannot come.
        #expect(ContinuousClock.now - start < .seconds(25))
        #expect(
            error?.output.contains("127.0.0.1:\(server.clientPort) was in use") == true, "\(String(describing: error))")
        #expect(error?.output.contains("address already in use") == true, "\(String(describing: error))")
    }
}

/// A TCP listener on 127.0.0.1:`port` that never accepts: what a stranger holding the port looks like to etcd.
private struct Listener {
    let descriptor: Int32

    init(port: Int) throws {
        // Close-on-exec, so that only this process holds the port, not the etcd and curl the test starts.
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard bound, listen(descriptor, 1) == 0 else {
            Glibc.close(descriptor)
            throw CannotListen(port: port)
        }
    }

    func close() { Glibc.close(descriptor) }

    struct CannotListen: Error { let port: Int }
}
