import Foundation

/// Runs a command to completion and returns its standard output; throws with its output if it fails.
@discardableResult
func shell(_ arguments: [String], environment: [String: String] = [:], allowFailure: Bool = false) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: out, as: UTF8.self)
    if process.terminationStatus != 0 && !allowFailure {
        throw ShellError(
            command: arguments.joined(separator: " "), status: process.terminationStatus,
            output: text + String(decoding: err, as: UTF8.self))
    }
    return text
}

struct ShellError: Error, CustomStringConvertible {
    var command: String
    var status: Int32
    var output: String
    var description: String { "`\(command)` exited \(status): \(output)" }
}
