/// A command's options and subcommands as swift-argument-parser describes them (`--experimental-dump-help`,
/// `ParsableCommand._dumpHelp()`): only what the environment variables of the options need.
public struct CommandLineDescription: Decodable, Sendable {
    public var command: Command

    /// Reads the JSON of `--experimental-dump-help`.
    public init(json: String) throws {
        self = try JSONDecoder().decode(CommandLineDescription.self, from: Data(json.utf8))
    }

    public struct Command: Decodable, Sendable {
        public var commandName: String
        public var aliases: [String]?
        public var defaultSubcommand: String?
        public var subcommands: [Command]?
        public var arguments: [Argument]?

        /// The options and flags, without argument-parser's own `--help` and `--version`.
        public var options: [Argument] {
            (arguments ?? []).filter { $0.kind != .positional && !["help", "version"].contains($0.longName) }
        }

        /// The subcommand that `word` names, if any.
        func subcommand(named word: String) -> Command? {
            subcommands?.first { $0.commandName == word || ($0.aliases ?? []).contains(word) }
        }
    }

    public struct Argument: Decodable, Sendable {
        public enum Kind: String, Decodable, Sendable {
            case positional, option, flag
        }

        public struct Name: Decodable, Sendable {
            public var kind: String
            public var name: String

            /// The name as typed: `--name`, `-n` or `-name`.
            public var spelling: String { kind == "long" ? "--" + name : "-" + name }
        }

        public var kind: Kind
        public var isRepeating: Bool
        public var names: [Name]?
        public var abstract: String?
        public var discussion: String?

        /// The first long name (`etcd-endpoints`), which names the variable; nil for an option with short names only.
        public var longName: String? { names?.first { $0.kind == "long" }?.name }

        /// Whether `token` from the command line is this option, alone or with its value attached (`--ttl=5`).
        func matches(_ token: String) -> Bool {
            (names ?? []).contains { token == $0.spelling || ($0.kind == "long" && token.hasPrefix($0.spelling + "=")) }
        }
    }
}
