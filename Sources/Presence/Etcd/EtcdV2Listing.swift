/// The part of a v2 directory listing the agent reads.
struct EtcdV2Listing: Decodable {
    struct Node: Decodable {
        var key: String?
        var value: String?
        var nodes: [Node]?
    }
    var node: Node?
}
