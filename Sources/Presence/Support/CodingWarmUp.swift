/// Decodes and encodes, once, small documents of the types a start reads from Docker and writes to etcd, while
/// the start itself waits for Docker's answers.
///
/// The first time the process decodes a type, the Swift runtime instantiates the metadata of its containers and
/// looks up its protocol conformances, scanning every conformance record of the executable for each: with
/// Foundation linked in, several milliseconds of a start with a full host went there, all after Docker's listing
/// had arrived. Done here, on another thread, they overlap the round trips to Docker instead; the runtime caches
/// what it found for the whole process. On a single core it costs nothing the start would not spend anyway.
enum CodingWarmUp {
    /// Starts the warm-up and returns at once.
    static func start() {
        Task.detached(priority: .medium) { run() }
    }

    static func run() {
        let decoder = JSONDecoder()
        _ = try? decoder.decode([ContainerSummary].self, from: Data(listing.utf8))
        _ = try? decoder.decode(DockerNetworkResponse.self, from: Data(network.utf8))
        _ = try? decoder.decode(EtcdV3.LeaseGrantResponse.self, from: Data(#"{"ID":"1","TTL":"60"}"#.utf8))
        _ = try? decoder.decode(EtcdV3.TxnResponse.self, from: Data(transaction.utf8))
        let encoder = JSONEncoder()
        _ = try? encoder.encode(EtcdV3.LeaseGrantRequest(TTL: 60))
        _ = try? encoder.encode(
            EtcdV3.TxnRequest(success: [
                .init(requestPut: .init(key: "a", value: "b", lease: "1")),
                .init(requestDeleteRange: .init(key: "a", range_end: "b")),
                .init(requestRange: .init(key: "a", range_end: "b")),
            ]))
    }

    /// One running container as `GET /containers/json` lists it, with every field the agent reads (addresses
    /// from the documentation range, RFC 5737).
    private static let listing = """
        [{"Id":"0123456789ab","Names":["/web"],"Image":"web","Command":"sleep","Created":1,
        "Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":81,"Type":"udp"}],
        "Labels":{"a":"b"},"State":"running","Status":"Up 1 second","HostConfig":{"NetworkMode":"bridge"},
        "NetworkSettings":{"Networks":{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"n",
        "EndpointID":"e","Gateway":"192.0.2.1","IPAddress":"192.0.2.2","IPPrefixLen":24,"IPv6Gateway":"",
        "GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"02:00:00:00:00:02","DriverOpts":null}}},
        "Mounts":[]}]
        """

    /// The bridge network as `GET /networks/bridge` answers.
    private static let network = """
        {"Name":"bridge","Id":"n","Driver":"bridge","EnableIPv6":false,
        "IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"192.0.2.0/24","Gateway":"192.0.2.1"}]},
        "Options":{"com.docker.network.bridge.default_bridge":"true"}}
        """

    /// A transaction's answer with a range in it, as the read of an earlier run's keys gets.
    private static let transaction = """
        {"header":{"revision":"1"},"succeeded":true,"responses":[{"response_range":{"header":{},
        "kvs":[{"key":"YQ==","value":"Yg==","lease":"1"}],"count":"1"}},{"response_put":{"header":{}}}]}
        """
}
