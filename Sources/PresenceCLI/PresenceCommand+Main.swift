import ArgumentParser
import Presence

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension PresenceCommand {
    /// Parses, runs, and reports bad input as one line (`presence: …`) with exit 64, for scripts and logs.
    /// Options missing from the command line come from their PRESENCE_* variables (`OptionEnvironment`).
    static func main() async {
        var optionEnvironment: OptionEnvironment?
        do {
            optionEnvironment = try OptionEnvironment(
                arguments: Array(CommandLine.arguments.dropFirst()),
                description: try CommandLineDescription(json: _dumpHelp()), environment: environment)
            var command = try parseAsRoot(optionEnvironment?.arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigurationError {
            exitWithUsageError(error.message)
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let message = message(for: error)
            let variables = optionEnvironment?.variables(blamedIn: message) ?? []
            exitWithUsageError((variables.isEmpty ? "" : variables.joined(separator: ", ") + ": ") + message)
        }
    }

    static func exitWithUsageError(_ message: String) -> Never {
        let line = "presence: \(message) (see 'presence --help')\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        Glibc.exit(ExitCode.validationFailure.rawValue)
    }
}
