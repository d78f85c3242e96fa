import Foundation
import Testing

@testable import Presence

@Suite("Decoding Docker's answers")
struct DockerDecodingTests {
    func decode(_ json: String) throws -> ContainerSnapshot {
        try JSONDecoder().decode(DockerInspectResponse.self, from: Data(json.utf8)).snapshot
    }

    @Test func dockerInspect() throws {
        let snapshot = try decode(
            """
            {"Id":"b089ac","Name":"/web","State":{"Status":"running","Running":true,"Paused":false},
             "Config":{"Labels":{"tier":"front"}},
             "NetworkSettings":{"Ports":{
               "53/udp":[{"HostIp":"0.0.0.0","HostPort":"5353"},{"HostIp":"::","HostPort":"5353"}],
               "80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}],
               "9000/tcp":[{"HostIp":"127.0.0.1","HostPort":"9090"}],
               "443/tcp":null}}}
            """)
        #expect(snapshot.name == "web")
        #expect(snapshot.id == "b089ac")
        #expect(snapshot.isServing())
        #expect(snapshot.labels == ["tier": "front"])
        #expect(snapshot.bindings.count == 5)
        #expect(PublishedPort.from(snapshot.bindings, defaultHost: "h").map(\.segment) == ["53-udp", "80", "9000"])
    }

    @Test func podmanReportsAnEmptyHostIP() throws {
        let snapshot = try decode(
            """
            {"Id":"1","Name":"web","State":{"Running":true},
             "NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}}}
            """)
        #expect(PublishedPort.from(snapshot.bindings, defaultHost: "172.17.0.1").map(\.host) == ["172.17.0.1"])
    }

    @Test func pausedAndStoppedContainersAreNotRegistered() throws {
        let paused = try decode(#"{"Id":"1","Name":"/w","State":{"Running":true,"Paused":true}}"#)
        let stopped = try decode(#"{"Id":"1","Name":"/w","State":{"Running":false}}"#)
        #expect(!paused.isServing())
        #expect(!stopped.isServing())
        #expect(paused.bindings.isEmpty)
    }

    @Test func healthcheckStatus() throws {
        let starting = try decode(#"{"Id":"1","Name":"/w","State":{"Running":true,"Health":{"Status":"starting"}}}"#)
        #expect(starting.health == "starting")
        #expect(!starting.isServing())
        #expect(starting.isServing(respectingHealth: false))
    }

    @Test func containerSummaries() throws {
        let json =
            #"[{"Id":"abc","Names":["/other/alias","/web"],"Labels":{"a":"b"},"State":"running"},{"Id":"d","Names":null}]"#
        let list = try JSONDecoder().decode([ContainerSummary].self, from: Data(json.utf8))
        #expect(
            list == [ContainerSummary(id: "abc", name: "web", labels: ["a": "b"]), ContainerSummary(id: "d", name: "")])
    }

    /// An entry of Docker 20.10's listing, with the fields of the JSON object `replacing` in place of its own.
    static func listed(_ replacing: String = "{}") throws -> Data {
        var entry = try JSONSerialization.jsonObject(with: Data(entryOfListing.utf8)) as! [String: Any]
        for (key, value) in try JSONSerialization.jsonObject(with: Data(replacing.utf8)) as! [String: Any] {
            entry[key] = value
        }
        return try JSONSerialization.data(withJSONObject: entry)
    }

    static let entryOfListing =
        """
        {"Id":"abc","Names":["/web"],"Labels":{"a":"b"},"State":"running","Status":"Up 3 minutes",
         "Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":49153,"Type":"tcp"},
                  {"IP":"::","PrivatePort":80,"PublicPort":49153,"Type":"tcp"},{"PrivatePort":90,"Type":"tcp"},
                  {"IP":"127.0.0.1","PrivatePort":53,"PublicPort":5353,"Type":"udp"}],
         "HostConfig":{"NetworkMode":"default"},
         "NetworkSettings":{"Networks":{"bridge":{"Gateway":"10.99.0.1","IPAddress":"10.99.0.2",
           "GlobalIPv6Address":"","IPv6Gateway":""}}}}
        """

    @Test func aRunningContainerIsTakenFromTheListing() throws {
        let summary = try JSONDecoder().decode(ContainerSummary.self, from: try Self.listed())
        let snapshot = try #require(summary.snapshot)
        #expect(snapshot.isServing())
        #expect(
            snapshot.bindings == [
                PortBinding(containerPort: 53, transport: "udp", hostIP: "127.0.0.1", hostPort: 5353),
                PortBinding(containerPort: 80, hostIP: "0.0.0.0", hostPort: 49153),
                PortBinding(containerPort: 80, hostIP: "::", hostPort: 49153),
            ])
        #expect(
            snapshot.exposedPorts == [
                ExposedPort(containerPort: 53, transport: "udp"), ExposedPort(containerPort: 80),
                ExposedPort(containerPort: 90),
            ])
        #expect(snapshot.networks == ["bridge": NetworkAttachment(ipv4Address: "10.99.0.2")])
        #expect(snapshot.bridgeGateway == "10.99.0.1")
        #expect(snapshot.labels == ["a": "b"] && snapshot.name == "web" && snapshot.id == "abc")
    }

    /// What only an inspect tells: a healthcheck, a pause, the ports of a container on another's network stack,
    /// and anything that does not read as expected.
    @Test(arguments: [
        #"{"Status":"Up 3 minutes (healthy)"}"#, #"{"Status":"Up 3 minutes (health: starting)"}"#,
        #"{"State":"paused","Status":"Up 3 minutes (Paused)"}"#, #"{"State":"restarting"}"#,
        #"{"Status":"Restarting (1) 2 seconds ago"}"#, #"{"Status":null}"#, #"{"HostConfig":{"NetworkMode":"host"}}"#,
        #"{"HostConfig":{"NetworkMode":"container:abc"}}"#, #"{"HostConfig":null}"#, #"{"NetworkSettings":null}"#,
        #"{"Ports":[{"PrivatePort":80,"PublicPort":49153}]}"#, #"{"Ports":[{"PrivatePort":0,"Type":"tcp"}]}"#,
        #"{"Ports":[{"PrivatePort":80,"PublicPort":70000,"Type":"tcp"}]}"#, #"{"Ports":[{"PrivatePort":"80"}]}"#,
    ])
    func whatOnlyAnInspectTellsIsInspected(fields: String) throws {
        let summary = try JSONDecoder().decode(ContainerSummary.self, from: try Self.listed(fields))
        #expect(summary.snapshot == nil)
        #expect(summary.name == "web" && summary.labels == ["a": "b"])
    }

    @Test func malformedBindingsAreDropped() throws {
        let snapshot = try decode(
            """
            {"Id":"1","Name":"/w","State":{"Running":true},"NetworkSettings":{"Ports":{
              "x/tcp":[{"HostIp":"0.0.0.0","HostPort":"1"}], "80/quic":[{"HostPort":"2"}],
              "81/tcp":[{"HostPort":"nope"}], "82/tcp":[{"HostPort":"70000"}], "83":[{"HostPort":"8083"}]}}}
            """)
        #expect(snapshot.bindings == [PortBinding(containerPort: 83, hostIP: "", hostPort: 8083)])
    }

    @Test func theBridgeNetworkWithGatewaysAndIPv6() throws {
        let listed = #"""
            {"EnableIPv6":true,"Options":{"com.docker.network.bridge.name":"docker0"},"IPAM":{"Config":[
              {"Subnet":"2001:db8:1::/64","Gateway":"2001:db8:1::1"},{"Subnet":"172.17.0.0/16","Gateway":"172.17.0.1"}]}}
            """#
        let bridge = try JSONDecoder().decode(DockerNetworkResponse.self, from: Data(listed.utf8)).bridgeNetwork
        #expect(bridge.ipv4?.hostAddress == "172.17.0.1")
        #expect(bridge.ipv6?.hostAddress == "2001:db8:1::1")
        #expect(bridge.interface == "docker0")
    }

    /// Docker 20.10 with a bridge it created itself lists the subnet alone; Docker gives the bridge its first
    /// host address.
    @Test func aBridgeListedWithoutGatewayIsAtItsSubnetsFirstHost() throws {
        let listed = #"{"EnableIPv6":false,"IPAM":{"Config":[{"Subnet":"172.18.0.0/16"},{"Subnet":"2001:db8::/64"}]}}"#
        let bridge = try JSONDecoder().decode(DockerNetworkResponse.self, from: Data(listed.utf8)).bridgeNetwork
        #expect(bridge.ipv4?.gateway == nil)
        #expect(bridge.ipv4?.hostAddress == "172.18.0.1")
        #expect(bridge.ipv6 == nil, "IPv6 is not enabled on the network")
    }

    @Test func aContainersNetworksExposedPortsAndNetworkMode() throws {
        let snapshot = try decode(
            """
            {"Id":"1","Name":"/w","State":{"Running":true},
             "Config":{"ExposedPorts":{"80/tcp":{},"53/udp":{}}},
             "HostConfig":{"NetworkMode":"host"},
             "NetworkSettings":{"Gateway":"172.17.0.1","Ports":{"9000/tcp":null},"Networks":{
               "front":{"IPAddress":"172.20.0.5","GlobalIPv6Address":"","IPv6Gateway":""},
               "v6":{"IPAddress":"","GlobalIPv6Address":"2001:db8::5","IPv6Gateway":"2001:db8::1"}}}}
            """)
        #expect(
            snapshot.exposedPorts == [
                ExposedPort(containerPort: 53, transport: "udp"), ExposedPort(containerPort: 80),
                ExposedPort(containerPort: 9000),
            ])
        #expect(snapshot.usesHostNetwork)
        #expect(snapshot.bridgeGateway == "172.17.0.1")
        #expect(snapshot.networks["front"] == NetworkAttachment(ipv4Address: "172.20.0.5"))
        #expect(
            snapshot.networks["v6"] == NetworkAttachment(ipv6Address: "2001:db8::5", ipv6Gateway: "2001:db8::1"))
    }

    @Test(
        arguments: [
            ("1.41", "1.41"), ("1.51", "1.51"), ("1.52", "1.51"), ("2.0", "1.51"), (nil, "1.24"), ("garbage", "1.24"),
        ] as [(String?, String)])
    func apiVersionNegotiation(server: String?, expected: String) {
        #expect(DockerAPIVersion.negotiated(server: server).description == expected)
    }

    @Test func namesAndSocketPathsArePercentEncoded() {
        #expect(percentEncoded("/var/run/docker.sock") == "%2Fvar%2Frun%2Fdocker.sock")
        #expect(percentEncoded("my_web-1.a") == "my_web-1.a")
    }
}
