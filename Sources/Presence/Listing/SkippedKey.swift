/// A key under the registry's root that is not part of a complete registration, and why.
///
/// Other tools may write under the same prefix, and a writer may be caught between two keys: these are
/// reported, never fatal.
public struct SkippedKey: Error, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var key: String
    public var reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public static func < (lhs: SkippedKey, rhs: SkippedKey) -> Bool {
        (lhs.key, lhs.reason) < (rhs.key, rhs.reason)
    }

    public var description: String { "skipped \(key): \(reason)" }
}
