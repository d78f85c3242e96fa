import Foundation
import Testing

@testable import Presence

@Suite("Printing registrations")
struct RegistryRenderingTests {
    let web = RegisteredPort(
        container: "web", containerPort: 80, transport: "tcp", host: "10.0.0.5", hostPort: 8080, ttl: 57,
        keys: ["/containers/web/80/host", "/containers/web/80/port"])
    let dns = RegisteredPort(
        container: "resolver-long-name", containerPort: 53, transport: "udp", host: "10.0.0.5", hostPort: 5353,
        keys: ["/containers/resolver-long-name/53-udp/host", "/containers/resolver-long-name/53-udp/port"])

    @Test func theTableAlignsColumns() {
        #expect(
            RegistryTable.render([dns, web]) == """
                CONTAINER           PORT    HOST      HOST PORT  TTL
                resolver-long-name  53/udp  10.0.0.5  5353       -
                web                 80/tcp  10.0.0.5  8080       57

                """)
    }

    @Test func anEmptyTableIsTheHeader() {
        #expect(RegistryTable.render([]) == "CONTAINER  PORT  HOST  HOST PORT  TTL\n")
    }

    @Test func watchLines() {
        #expect(RegistryTable.line(.init(.added, web)) == "+ web 80/tcp 10.0.0.5 8080")
        #expect(RegistryTable.line(.init(.changed, web)) == "~ web 80/tcp 10.0.0.5 8080")
        #expect(RegistryTable.line(.init(.removed, web)) == "- web 80/tcp")
    }

    @Test func jsonHasEveryFieldEvenWhenUnknown() throws {
        let json = RegistryJSON.render([dns, web])
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(decoded.count == 2)
        #expect(Set(decoded[0].keys) == ["container", "port", "protocol", "host", "hostPort", "ttl", "id", "keys"])
        #expect(decoded[0]["ttl"] is NSNull)
        #expect(decoded[1]["container"] as? String == "web")
        #expect(decoded[1]["port"] as? Int == 80)
        #expect(decoded[1]["protocol"] as? String == "tcp")
        #expect(decoded[1]["hostPort"] as? Int == 8080)
        #expect(decoded[1]["ttl"] as? Int == 57)
        #expect(decoded[1]["keys"] as? [String] == web.keys)
    }

    @Test func anEmptyJSONListingIsAnEmptyArray() {
        #expect(RegistryJSON.render([]) == "[]\n")
    }

    @Test func aJSONWatchLineIsOneObjectWithItsEvent() throws {
        let line = RegistryJSON.line(.init(.removed, web))
        #expect(!line.contains("\n"))
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(decoded["event"] as? String == "removed")
        #expect(decoded["container"] as? String == "web")
    }

    @Test func changesIgnoreATTLThatRanDown() {
        var older = web
        older.ttl = 60
        var moved = web
        moved.hostPort = 9090
        let added = dns
        #expect(RegisteredPortChange.between([older], [web]).isEmpty)
        #expect(RegisteredPortChange.between([older], [moved]) == [.init(.changed, moved)])
        #expect(RegisteredPortChange.between([web], [added]) == [.init(.added, added), .init(.removed, web)])
    }
}
