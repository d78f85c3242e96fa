/// The key layouts a registry can be written in.
public enum RegistryFormat: String, Sendable, CaseIterable {
    /// The original layout: `{prefix}/{name}/{port}/host` and `.../port`, one value each.
    case keys
    /// `{prefix}/{name}/{port}` holding one JSON object with host, port, protocol, container name and id.
    case json
    /// CoreDNS's etcd plugin: `/skydns/{domain reversed}/{label}/{port}` holding `{"host":…,"port":…}`.
    case skydns
}
