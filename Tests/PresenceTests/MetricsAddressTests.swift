import Testing

@testable import Presence

@Suite("--metrics-address is HOST:PORT")
struct MetricsAddressTests {
    @Test(arguments: [
        ("127.0.0.1:9180", "127.0.0.1", 9180),
        ("0.0.0.0:1", "0.0.0.0", 1),
        ("localhost:65535", "localhost", 65535),
        ("[::1]:9180", "::1", 9180),
    ])
    func valid(text: String, host: String, port: Int) throws {
        let address = try MetricsAddress(text)
        #expect(address.host == host && address.port == port)
        #expect(address.description == text)
    }

    @Test(arguments: [
        "9180", ":9180", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:http", "", "::1:9180",
        "http://127.0.0.1:9180", "a b:1",
    ])
    func invalid(text: String) {
        #expect(throws: ConfigurationError.self) { try MetricsAddress(text) }
    }

    @Test func theConfigurationValidatesIt() throws {
        let selection = try ContainerSelection(names: ["web"])
        #expect(try AgentConfiguration(selection: selection).metricsAddress == nil)
        #expect(
            try AgentConfiguration(selection: selection, metricsAddress: "127.0.0.1:9180").metricsAddress?.port == 9180)
        #expect {
            try AgentConfiguration(selection: selection, metricsAddress: "127.0.0.1")
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("--metrics-address '127.0.0.1' is not HOST:PORT") == true
        }
    }
}
