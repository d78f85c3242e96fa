import Presence

/// Environment variables for every option: `PRESENCE_` and the option's long name upper-cased with dashes as
/// underscores (`--etcd-endpoints` is `PRESENCE_ETCD_ENDPOINTS`).
///
/// A variable becomes the option itself, added to the command line when the command line lacks it, so a
/// variable is parsed and checked exactly like the option and the command line always wins. The options come
/// from the command's own description, so an option added later has its variable without more code.
struct OptionEnvironment: Sendable {
    /// An option that a variable put on the command line.
    struct Setting: Sendable, Equatable {
        var variable: String
        var option: String
        var value: String
    }

    /// The command line with the variables' options added.
    var arguments: [String]
    /// What the variables added, to name the variable when its value is refused.
    var settings: [Setting]

    static let variablePrefix = "PRESENCE_"

    /// The variable of the option with long name `name` (`etcd-endpoints`).
    static func variable(forOption name: String) -> String {
        variablePrefix + name.uppercased().replacing("-", with: "_")
    }

    /// Whether any of the environment's variables (`names`) is one of an option: without one, the command line
    /// stays as it is.
    static func anyVariableSet(in names: [String]) -> Bool {
        names.contains { $0.hasPrefix(variablePrefix) && $0.count > variablePrefix.count }
    }

    /// Arguments that only print something (help, version, completions) take nothing from the environment.
    static let informational: Set<String> = [
        "-h", "--help", "-help", "--version", "--experimental-dump-help", "--generate-completion-script",
    ]

    /// Adds to `arguments` (without the executable) an option for every set variable of the commands they
    /// invoke: the root command and each subcommand named, whose options argument-parser reads too.
    init(
        arguments: [String], description: CommandLineDescription, environment: (String) -> String?
    ) throws(ConfigurationError) {
        self.arguments = arguments
        self.settings = []
        let beforeTerminator = arguments.prefix { $0 != "--" }
        if beforeTerminator.contains(where: Self.informational.contains) || arguments.first == "help" { return }
        // Each command's options go at the end of its own part of the command line, last command first so
        // that the earlier parts' indices stay valid.
        for part in Self.invokedCommands(beforeTerminator, root: description.command).reversed() {
            let given = arguments[part.arguments]
            var added: [String] = []
            for option in part.command.options {
                guard let name = option.longName, !given.contains(where: option.matches) else { continue }
                let variable = Self.variable(forOption: name)
                guard let value = environment(variable), !value.isEmpty else { continue }
                switch option.kind {
                case .option:
                    added += (option.isRepeating ? Self.list(value) : [value]).map { "--\(name)=\($0)" }
                case .flag:
                    let times = try Self.flagCount(value, variable: variable, repeating: option.isRepeating)
                    added += Array(repeating: "--\(name)", count: times)
                case .positional:
                    continue
                }
                settings.append(Setting(variable: variable, option: "--\(name)", value: value))
            }
            self.arguments.insert(contentsOf: added, at: part.arguments.upperBound)
        }
    }

    /// The variables whose values `message` (a refusal of the command line) is about: those whose option it
    /// names, or else those whose value (or one of its comma-separated parts) it quotes.
    func variables(blamedIn message: String) -> [String] {
        let byOption = settings.filter { Self.mentions(message, $0.option) }
        let byValue = settings.filter { setting in
            ([setting.value] + Self.list(setting.value)).contains { message.contains("'\($0)'") }
        }
        let blamed = byOption.isEmpty ? byValue : byOption
        return blamed.map(\.variable)
    }

    /// The commands the arguments invoke, each with its part of them: the root command up to the first word that
    /// names a subcommand, that subcommand up to the next, and so on (the values of options are not words).
    static func invokedCommands(
        _ arguments: ArraySlice<String>, root: CommandLineDescription.Command
    ) -> [(command: CommandLineDescription.Command, arguments: Range<Int>)] {
        var commands = [(command: root, arguments: arguments.startIndex..<arguments.endIndex)]
        var skipValue = false
        for index in arguments.indices {
            let token = arguments[index]
            let command = commands[commands.count - 1].command
            if skipValue {
                skipValue = false
            } else if token.hasPrefix("-") {
                let option = command.options.first { $0.matches(token) }
                skipValue = option?.kind == .option && !token.contains("=")
            } else if let subcommand = command.subcommand(named: token) {
                commands[commands.count - 1].arguments = commands[commands.count - 1].arguments.lowerBound..<index
                commands.append((subcommand, index + 1..<arguments.endIndex))
            }
        }
        // A default subcommand runs without being named: it reads the arguments after its parent's.
        while let name = commands[commands.count - 1].command.defaultSubcommand,
            let subcommand = commands[commands.count - 1].command.subcommand(named: name)
        {
            commands.append((subcommand, arguments.endIndex..<arguments.endIndex))
        }
        return commands
    }

    /// A repeatable option's values from one variable: comma-separated.
    static func list(_ value: String) -> [String] {
        value.split(separator: ",").map {
            String($0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }
        .filter { !$0.isEmpty }
    }

    /// How often a flag's variable sets it: once for true, never for false, a count for a repeatable flag.
    static func flagCount(_ value: String, variable: String, repeating: Bool) throws(ConfigurationError) -> Int {
        switch value.lowercased() {
        case "true", "1", "yes", "on": return 1
        case "false", "0", "no", "off": return 0
        default:
            if repeating, let count = Int(value), count >= 0 { return count }
            throw ConfigurationError("\(variable) must be true, false, 1 or 0, not '\(value)'")
        }
    }

    /// Whether `message` names `option` itself, not a longer option that starts with it.
    static func mentions(_ message: String, _ option: String) -> Bool {
        var rest = message[...]
        while let range = rest.firstRange(of: option) {
            let next = rest[range.upperBound...].first
            if next.map({ !($0.isLetter || $0.isNumber || $0 == "-") }) ?? true { return true }
            rest = rest[range.upperBound...]
        }
        return false
    }
}
