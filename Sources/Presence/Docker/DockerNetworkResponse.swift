/// The part of `GET /networks/bridge` the agent reads.
struct DockerNetworkResponse: Decodable {
    struct IPAM: Decodable {
        struct Config: Decodable {
            var subnet: String?
            var gateway: String?
            enum CodingKeys: String, CodingKey {
                case subnet = "Subnet"
                case gateway = "Gateway"
            }
        }
        var config: [Config]?
        enum CodingKeys: String, CodingKey {
            case config = "Config"
        }
    }

    var ipam: IPAM?
    var enableIPv6: Bool?
    var options: [String: String]?
    enum CodingKeys: String, CodingKey {
        case ipam = "IPAM"
        case enableIPv6 = "EnableIPv6"
        case options = "Options"
    }

    var bridgeNetwork: BridgeNetwork {
        func pool(ipv6: Bool) -> BridgeNetwork.Pool? {
            for config in ipam?.config ?? [] {
                let subnet = config.subnet.flatMap(Subnet.init)
                let gateway = config.gateway.nonEmpty
                // A pool's family is its subnet's, or its gateway's when it lists no subnet; one with neither has none.
                guard (subnet?.isIPv6 ?? gateway?.contains(":")) == ipv6 else { continue }
                return BridgeNetwork.Pool(subnet: subnet, gateway: gateway)
            }
            return nil
        }
        return BridgeNetwork(
            ipv4: pool(ipv6: false),
            ipv6: enableIPv6 == true ? pool(ipv6: true) : nil,
            interface: options?["com.docker.network.bridge.name"])
    }
}
