import Foundation

/// The bytes of a JSON answer of the simulated engine; JSONSerialization, since the answers are built as
/// dictionaries in dockerd's field names.
enum JSONBody {
    static func bytes(_ object: Any) -> [UInt8] {
        // Only dictionaries and arrays of strings, numbers and booleans are passed: serialization cannot fail.
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }
}
