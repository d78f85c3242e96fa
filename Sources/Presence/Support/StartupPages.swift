#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The pages of the agent's own executable that only its start needed, given back to the kernel.
///
/// Linux maps a file's pages around each page fault, whole large folios of the page cache at a time, so a start
/// that runs a little code in many places leaves most of the executable resident: about 15 MB of pages that
/// the steady state never reads. Once the start is over, the executable's read-only mappings are marked for
/// random access (no readahead, so a later fault maps what it needs) and paged out; what the steady state runs
/// comes back one page at a time. Best effort: on a kernel without `MADV_PAGEOUT` (before 5.4) nothing changes.
enum StartupPages {
    static func release() {
        #if os(Linux)
            guard let executable = realpath("/proc/self/exe", nil) else { return }
            defer { free(executable) }
            let path = String(cString: executable)
            guard let maps = fopen("/proc/self/maps", "r") else { return }
            defer { fclose(maps) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(line) }
            while getline(&line, &capacity, maps) > 0, let line {
                // "start-end perms offset dev inode path"
                let fields = String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\n" })
                guard fields.count >= 6, fields[5] == path, !fields[1].contains("w") else { continue }
                let bounds = fields[0].split(separator: "-").compactMap { UInt(String($0), radix: 16) }
                guard bounds.count == 2, bounds[1] > bounds[0],
                    let start = UnsafeMutableRawPointer(bitPattern: bounds[0])
                else { continue }
                let length = Int(bounds[1] - bounds[0])
                _ = madvise(start, length, MADV_RANDOM)
                _ = madvise(start, length, 21)  // MADV_PAGEOUT, which Glibc's headers may not name
            }
        #endif
    }
}
