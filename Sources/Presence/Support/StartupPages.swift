#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The pages of the agent's own executable that only its start needed, unmapped once the start is over.
///
/// Linux maps a file's pages around each page fault, whole large folios of the page cache at a time, so a start
/// that runs a little code in many places leaves most of the executable resident: about 15 MB of pages that
/// the steady state never reads. Once the start is over, the executable's read-only mappings are dropped from
/// the process (`MADV_DONTNEED`; the page cache keeps them, so nothing is read again from disk and no other
/// process is affected) and marked for random access (should the page cache have let a page go, a fault reads
/// it alone, not ahead). What the steady state runs comes back a fault-around block (64 KB) at a time, which is
/// why the release build places the idle agent's functions side by side (scripts/symbol-order.sh). Mappings
/// that hold pages of their own (the relocated read-only data) are left alone: dropping them would lose what
/// the loader wrote.
///
/// The heap is given back too (`GlibcMalloc.returnFreedPages`): the start decodes Docker's whole listing and
/// builds every write at once, and what it freed stays resident in malloc's arena until it is trimmed.
enum StartupPages {
    static func release() {
        #if os(Linux)
            for mapping in droppableMappings() {
                guard let start = UnsafeMutableRawPointer(bitPattern: mapping.lowerBound) else { continue }
                let length = Int(mapping.upperBound - mapping.lowerBound)
                _ = madvise(start, length, MADV_RANDOM)
                _ = madvise(start, length, MADV_DONTNEED)
            }
            GlibcMalloc.returnFreedPages()
        #endif
    }

    #if os(Linux)
        /// The executable's read-only mappings without anonymous pages, from /proc/self/smaps.
        private static func droppableMappings() -> [Range<UInt>] {
            guard let executable = realpath("/proc/self/exe", nil) else { return [] }
            let path = String(cString: executable)
            free(executable)
            guard let smaps = fopen("/proc/self/smaps", "r") else { return [] }
            defer { fclose(smaps) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(line) }
            var mappings: [Range<UInt>] = []
            // The mapping being read: whether it is one of the executable's read-only ones.
            var current: Range<UInt>?
            while getline(&line, &capacity, smaps) > 0, let line {
                let fields = String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\n" })
                if fields.first?.contains("-") == true, fields.count >= 5 {
                    // A header: "start-end perms offset dev inode [path]".
                    let bounds = fields[0].split(separator: "-").compactMap { UInt(String($0), radix: 16) }
                    let isOurs = fields.count >= 6 && fields[5] == path && !fields[1].contains("w")
                    current = isOurs && bounds.count == 2 && bounds[0] < bounds[1] ? bounds[0]..<bounds[1] : nil
                } else if fields.first == "Anonymous:", let mapping = current {
                    if fields.count >= 2, fields[1] == "0" { mappings.append(mapping) }
                    current = nil
                }
            }
            return mappings
        }
    #endif
}
