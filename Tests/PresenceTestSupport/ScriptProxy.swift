import Foundation

/// A server of the tests' own from scripts/ (the proxies `slow-proxy.py`, `drop-proxy.py`, `stall-proxy.py`, and
/// `hostile-docker.py`), made ready to run with python3 and its output discarded; the caller runs and owns it.
public func launchScriptProxy(_ script: String, _ arguments: [String]) -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
        ["python3", TestEnvironment.repositoryRoot.appendingPathComponent("scripts/\(script)").path] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    return process
}
