import Foundation

/// A systemd unit file and the environment file it reads, interpreted the way systemd does for what the
/// deployment files use: `ExecStart=` split into words, `$NAME` and `${NAME}` expanded from the environment.
public struct SystemdUnit: Sendable {
    public let text: String

    public init(contentsOf path: String) throws {
        text = try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The value of the first `key=` line, with backslash continuations joined.
    public func value(_ key: String) -> String? {
        let lines = text.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n")
        return lines.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// The unit with its `ExecStart=` binary replaced, for checks that need an executable at that path.
    public func replacingExecutable(with binary: String) throws -> String {
        guard let execStart = value("ExecStart"), let executable = execStart.split(separator: " ").first else {
            throw ShellError(command: "ExecStart", status: -1, output: "the unit has no ExecStart= line")
        }
        let replaced = binary + execStart.dropFirst(executable.count)
        return text.replacingOccurrences(of: "ExecStart=" + execStart, with: "ExecStart=" + replaced)
    }

    /// The arguments of `ExecStart=` after the executable, with the environment expanded as systemd does:
    /// `$NAME` as a word of its own becomes the value's whitespace-separated words (none when unset), `${NAME}`
    /// the value as it is.
    public func execStartArguments(environment: [String: String]) throws -> [String] {
        guard let execStart = value("ExecStart") else {
            throw ShellError(command: "ExecStart", status: -1, output: "the unit has no ExecStart= line")
        }
        return execStart.split(separator: " ").dropFirst().flatMap { word -> [String] in
            if word.hasPrefix("$") && !word.hasPrefix("${") {
                return (environment[String(word.dropFirst())] ?? "").split(separator: " ").map(String.init)
            }
            var expanded = String(word)
            for (name, value) in environment { expanded = expanded.replacingOccurrences(of: "${\(name)}", with: value) }
            return [expanded]
        }
    }

    /// The variables of an `EnvironmentFile=`: `NAME=value` lines, comments and blank lines skipped, one pair
    /// of surrounding quotes removed.
    public static func environment(contentsOf path: String) throws -> [String: String] {
        var variables: [String: String] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = String(value.dropFirst().dropLast())
            }
            variables[String(trimmed[..<equals])] = value
        }
        return variables
    }
}
