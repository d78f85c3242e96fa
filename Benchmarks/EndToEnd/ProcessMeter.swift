import Foundation
import PresenceTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What the kernel reports of a process in /proc: its memory, its CPU time, whether it has exited.
struct ProcessMeter {
    /// Resident memory in bytes: all of it, and its anonymous (heap, stacks) and file-backed (the mapped binary
    /// and libraries) parts.
    struct Memory {
        var resident: Int
        var anonymous: Int
        var fileBacked: Int
    }

    let pid: Int32

    /// The kernel's clock ticks per second, the unit of ``cpuTicks()``.
    static let ticksPerSecond = Int(sysconf(Int32(_SC_CLK_TCK)))

    /// The whole of /proc/PID/`file` (`ProcFile`).
    private func read(_ file: String) throws -> String {
        do {
            return try ProcFile.read("/proc/\(pid)/\(file)")
        } catch {
            throw BenchmarkError("\(error)")
        }
    }

    /// `VmRSS`, `RssAnon` and `RssFile` of /proc/PID/status.
    func memory() throws -> Memory {
        var values: [Substring: Int] = [:]
        for line in try read("status").split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { continue }
            values[fields[0]] = kilobytes * 1024
        }
        guard let resident = values["VmRSS"] else { throw BenchmarkError("/proc/\(pid)/status has no VmRSS") }
        return Memory(resident: resident, anonymous: values["RssAnon"] ?? 0, fileBacked: values["RssFile"] ?? 0)
    }

    /// `utime + stime` of /proc/PID/stat (fields 14 and 15), in clock ticks.
    func cpuTicks() throws -> Int {
        let fields = try statFields()
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else {
            throw BenchmarkError("/proc/\(pid)/stat has no utime and stime")
        }
        return user + system
    }

    /// The fields of /proc/PID/stat after the command name, from the state (field 3) on.
    private func statFields() throws -> [Substring] {
        let stat = try read("stat")
        guard let end = stat.range(of: ") ", options: .backwards) else { return [] }
        return stat[end.upperBound...].split(separator: " ")
    }

    /// Whether the process has exited: gone, or a zombie not yet reaped. Read at the moment of exit, unlike a
    /// wait for the parent's reaper.
    var hasExited: Bool {
        guard let state = try? statFields().first else { return true }
        return state == "Z" || state == "X"
    }

    /// The file mappings holding the most resident memory, by file name.
    func residentByFile(top: Int = 4) -> [(name: String, bytes: Int)] {
        guard let smaps = try? read("smaps") else { return [] }
        var sizes: [String: Int] = [:]
        var current: String?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-") && !first.hasSuffix(":") {
                current =
                    fields.count > 5 && fields[5].hasPrefix("/") ? String(fields[5].split(separator: "/").last!) : nil
            } else if first == "Rss:", let current, fields.count > 1, let kilobytes = Int(fields[1]) {
                sizes[current, default: 0] += kilobytes * 1024
            }
        }
        return sizes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top)
            .map { ($0.key, $0.value) }
    }
}
