/// One entry of `GET /containers/json`: enough to select a container without inspecting it.
public struct ContainerSummary: Sendable, Equatable, Decodable {
    public var id: String
    public var name: String
    public var labels: [String: String]

    public init(id: String, name: String, labels: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case names = "Names"
        case labels = "Labels"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let names = try container.decodeIfPresent([String].self, forKey: .names) ?? []
        // A container linked into others also lists "/other/alias"; its own name has a single slash.
        let own = names.first { $0.dropFirst().firstIndex(of: "/") == nil } ?? names.first ?? ""
        name = own.hasPrefix("/") ? String(own.dropFirst()) : own
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}
