import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to completion and returns its standard output; throws with its output if it fails.
///
/// It spawns and reaps the child itself, with the output in temporary files rather than pipes: a command that
/// leaves a daemon behind (dockerd) would otherwise hold a pipe open and the read would never end.
@discardableResult
public func shell(_ arguments: [String], environment: [String: String] = [:], allowFailure: Bool = false) throws
    -> String
{
    let base = NSTemporaryDirectory() + "presence-shell-\(UUID().uuidString)"
    defer {
        unlink(base + ".out")
        unlink(base + ".err")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
    let env =
        ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        for pointer in argv { free(pointer) }
        for pointer in env { free(pointer) }
    }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, env)
    guard spawned == 0 else {
        throw ShellError(command: arguments.joined(separator: " "), status: spawned, output: "could not start")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    if exitStatus != 0 && !allowFailure {
        let errors = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        throw ShellError(command: arguments.joined(separator: " "), status: exitStatus, output: output + errors)
    }
    return output
}

/// `shell` off Swift's cooperative threads: a test waiting on a command must not hold one of the few threads
/// that every other test and the servers' clients need.
@discardableResult
public func shell(_ arguments: [String], environment: [String: String] = [:], allowFailure: Bool = false) async throws
    -> String
{
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(
                with: Result { try shell(arguments, environment: environment, allowFailure: allowFailure) })
        }
    }
}

public struct ShellError: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var output: String
    public var description: String { "`\(command)` exited \(status): \(output)" }
}

/// Starts a server in the background (`arguments[0]` looked up on the PATH), with `environment` added to the
/// test's own and everything it prints in the file `log`; the caller waits until it answers.
///
/// - Parameter appending: keep what `log` holds and add to it, for a server restarted with its data, whose
///   earlier runs explain the later one.
public func launchLogged(
    _ arguments: [String], environment: [String: String] = [:], log: String, appending: Bool = false
) throws -> Process {
    if !appending || !FileManager.default.fileExists(atPath: log) {
        FileManager.default.createFile(atPath: log, contents: nil)
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    handle.seekToEndOfFile()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
}
