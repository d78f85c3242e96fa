#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IP subnet in CIDR notation, as Docker's IPAM reports one (`172.17.0.0/16`, `fd00:1::/64`).
public struct Subnet: Sendable, Equatable {
    /// The address bytes, 4 or 16 of them.
    private var bytes: [UInt8]
    private var prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = Int(parts[1]), let bytes = Subnet.bytes(of: String(parts[0])),
            (0...(bytes.count * 8)).contains(length)
        else { return nil }
        self.bytes = bytes
        self.prefixLength = length
    }

    public var isIPv6: Bool { bytes.count == 16 }

    /// The subnet's first host address: what Docker gives a bridge that its IPAM lists without a gateway.
    public var firstHost: String? {
        var address = bytes
        for index in address.indices {
            let kept = max(0, min(8, prefixLength - index * 8))
            address[index] &= kept == 0 ? 0 : ~UInt8(0) << (8 - kept)
        }
        // A /31, /32, /127 or /128 has no room for a network address besides its hosts.
        guard prefixLength < bytes.count * 8 - 1 else { return nil }
        address[address.count - 1] |= 1
        return Subnet.text(of: address)
    }

    private static func bytes(of address: String) -> [UInt8]? {
        for (family, count) in [(AF_INET, 4), (AF_INET6, 16)] {
            var bytes = [UInt8](repeating: 0, count: count)
            if inet_pton(family, address, &bytes) == 1 { return bytes }
        }
        return nil
    }

    private static func text(of bytes: [UInt8]) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, bytes, &buffer, socklen_t(buffer.count)) != nil else {
            return nil
        }
        return String(cString: buffer)
    }
}
