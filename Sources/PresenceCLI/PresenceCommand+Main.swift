import ArgumentParser
import NIOCore
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
        GlibcMalloc.useOneArena()
        useOneEventLoop()
        var optionEnvironment: OptionEnvironment?
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            // The options' description costs a third of the agent's start (argument-parser reflects and encodes
            // every option): it is only read when a variable may add one.
            if OptionEnvironment.anyVariableSet(in: environmentNames()) {
                optionEnvironment = try OptionEnvironment(
                    arguments: arguments, description: try CommandLineDescription(json: _dumpHelp()),
                    environment: environment)
            }
            var command = try parseAsRoot(optionEnvironment?.arguments ?? arguments)
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

    /// SwiftNIO's shared event loops, which both HTTP clients and the metrics server run on, are one per core by
    /// default. The agent holds a handful of connections, and each loop keeps a thread, its stack, a malloc
    /// arena and a task buffer of about 200 KB: on a 64-core host, 64 of each for nothing. One loop, unless
    /// the operator set `NIO_SINGLETON_GROUP_LOOP_COUNT`.
    static func useOneEventLoop() {
        guard getenv("NIO_SINGLETON_GROUP_LOOP_COUNT") == nil else { return }
        NIOSingletons.groupLoopCountSuggestion = 1
    }

    /// The names of the process's environment variables.
    static func environmentNames() -> [String] {
        var names: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let variable = String(cString: pointer)
            names.append(String(variable.prefix { $0 != "=" }))
            entry += 1
        }
        return names
    }

    static func exitWithUsageError(_ message: String) -> Never {
        let line = "presence: \(message) (see 'presence --help')\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        Glibc.exit(ExitCode.validationFailure.rawValue)
    }
}
