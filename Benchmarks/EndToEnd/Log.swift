import Foundation

/// Progress lines on standard error, stamped with the seconds since the run began.
enum Log {
    /// Set by the first line: the run's first step logs at once.
    private static let start = ContinuousClock.now

    static func line(_ message: String) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        FileHandle.standardError.write(
            Data("[benchmark \(Format.fixed(seconds, 1).leftPadded(to: 6))s] \(message)\n".utf8))
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
