/// Which containers the agent registers: named ones, every one, or those carrying labels; a union.
public struct ContainerSelection: Sendable, Equatable {
    /// A `--label KEY` (any value) or `--label KEY=VALUE` requirement.
    public struct LabelRequirement: Sendable, Hashable {
        public var key: String
        public var value: String?

        /// Parses `KEY` or `KEY=VALUE`.
        public init(_ text: String) throws {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts.first, !key.isEmpty else {
                throw ConfigurationError("--label '\(text)' needs a key: KEY or KEY=VALUE")
            }
            self.key = String(key)
            self.value = parts.count > 1 ? String(parts[1]) : nil
        }

        func matches(_ labels: [String: String]) -> Bool {
            guard let actual = labels[key] else { return false }
            return value == nil || value == actual
        }
    }

    public var names: Set<String>
    public var all: Bool
    /// Every one of these must match for a container to be selected by label.
    public var labels: [LabelRequirement]

    public init(names: [String] = [], all: Bool = false, labels: [LabelRequirement] = []) throws {
        guard !names.isEmpty || all || !labels.isEmpty else {
            throw ConfigurationError("nothing to register: give --container NAME, --all or --label KEY[=VALUE]")
        }
        for name in names where !KeyLayout.isValidSegment(name) {
            throw ConfigurationError("'\(name)' cannot be a container name: it would not be one key segment")
        }
        var required: [String: String?] = [:]
        for label in labels {
            if let earlier = required[label.key], earlier != label.value {
                throw ConfigurationError(
                    "--label \(label.key) is given twice with different values; no container could match both")
            }
            required[label.key] = label.value
        }
        self.names = Set(names)
        self.all = all
        self.labels = labels
    }

    /// True when a container of this name and these labels is selected. `presence.ignore=true` always wins.
    public func selects(name: String, labels containerLabels: [String: String]) -> Bool {
        if containerLabels[ContainerLabels.ignore]?.lowercased() == "true" { return false }
        if all || names.contains(name) { return true }
        return !labels.isEmpty && labels.allSatisfy { $0.matches(containerLabels) }
    }
}
