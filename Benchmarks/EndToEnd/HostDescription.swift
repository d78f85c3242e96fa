import Foundation

/// The machine a run measures on, as both reports name it: CPU model, cores, memory and kernel.
struct HostDescription: Sendable {
    var cpu = "?"
    var cores = 0
    var memory = "?"
    var kernel = "?"

    static func read() -> HostDescription {
        var host = HostDescription()
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if let model = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = model.firstIndex(of: ":")
        {
            host.cpu = model[model.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        host.cores = ProcessInfo.processInfo.activeProcessorCount
        host.memory = Format.fixed(Double(ProcessInfo.processInfo.physicalMemory) / 1024 / 1024 / 1024, 1) + " GiB"
        var names = utsname()
        uname(&names)
        host.kernel = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return host
    }
}
