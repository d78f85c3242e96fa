import NIOCore

/// What `--host-ip` or `--host-ip6` says: an address to write as it is, or a network interface whose address
/// is looked up on every resync, for an agent on the host's network that should write the address other hosts
/// dial (`--host-ip eth0`).
public enum HostAddressSetting: Sendable, Equatable, CustomStringConvertible {
    case address(String)
    case interface(String)

    /// The address family an option is for.
    public enum Family: Sendable {
        case ipv4, ipv6

        var option: String { self == .ipv4 ? "--host-ip" : "--host-ip6" }
    }

    /// Reads `text` as an address of `family`, or else as an interface name.
    public init(parsing text: String, family: Family) throws(ConfigurationError) {
        if let address = try? SocketAddress(ipAddress: text, port: 0) {
            switch (address, family) {
            case (.v4, .ipv4), (.v6, .ipv6):
                self = .address(text)
                return
            default:
                throw ConfigurationError(
                    "\(family.option) '\(text)' is an \(family == .ipv4 ? "IPv6" : "IPv4") address; "
                        + "give it to \(family == .ipv4 ? "--host-ip6" : "--host-ip")")
            }
        }
        // Linux interface names: at most 15 bytes, no slash, colon or white space.
        let isInterfaceName =
            !text.isEmpty && text.utf8.count <= 15 && text != "." && text != ".."
            && !text.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
        let looksLikeIPv4 = text.allSatisfy { $0.isNumber || $0 == "." }
        guard isInterfaceName, !looksLikeIPv4 else {
            throw ConfigurationError(
                "\(family.option) '\(text)' is neither an \(family == .ipv4 ? "IPv4" : "IPv6") address "
                    + "nor a network interface name")
        }
        self = .interface(text)
    }

    public var description: String {
        switch self {
        case .address(let address): address
        case .interface(let name): name
        }
    }

    /// Refuses an interface this host does not have, with the names of those it has: a mistyped name is told at
    /// start rather than found in the log. Whether it has an address is asked only when it is needed.
    public func checkInterfaceExists(_ family: Family) throws(ConfigurationError) {
        guard case .interface(let name) = self else { return }
        let names = Set(((try? System.enumerateDevices()) ?? []).map(\.name))
        guard !names.contains(name) else { return }
        throw ConfigurationError(
            "\(family.option) \(name): no such network interface here (there are \(names.sorted().joined(separator: ", "))); "
                + "to name one of the host's, the agent must share the host's network")
    }

    /// The address to write: the given one, or the interface's first address of `family` (for IPv6, its first
    /// that is not link-local, which needs a zone to be dialled).
    public func resolve(_ family: Family) throws -> String {
        guard case .interface(let name) = self else { return description }
        let devices = try System.enumerateDevices().filter { $0.name == name }
        guard !devices.isEmpty else {
            throw PresenceError(
                .hostAddressUnavailable,
                "\(family.option) \(name): no such network interface here; the agent must share the host's network "
                    + "(--network host, network_mode: host) to read its interfaces")
        }
        var address: String?
        for device in devices {
            guard let socket = device.address, let text = socket.ipAddress else { continue }
            if case .v4 = socket, family == .ipv4 {
                address = text
                break
            }
            if case .v6 = socket, family == .ipv6, !text.lowercased().hasPrefix("fe80:") {
                address = text
                break
            }
        }
        guard let address else {
            throw PresenceError(
                .hostAddressUnavailable,
                "\(family.option) \(name): the interface has no \(family == .ipv4 ? "IPv4" : "global IPv6") address "
                    + "yet; nothing is registered until it has one")
        }
        return address
    }
}
