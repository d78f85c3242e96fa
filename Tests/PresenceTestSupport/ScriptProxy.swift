import Foundation

/// A proxy of the test's own from scripts/ (`slow-proxy.py`, `drop-proxy.py`, `stall-proxy.py`), run with
/// python3 and its output discarded; the caller owns the process.
public func launchScriptProxy(_ script: String, _ arguments: [String]) -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
        ["python3", TestEnvironment.repositoryRoot.appendingPathComponent("scripts/\(script)").path] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    return process
}
