#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The pages of the agent's own executable that only its start needed, unmapped once the start is over.
///
/// Linux maps a file's pages around each page fault (64 KB, or the whole large folio of the page cache), so a
/// start that runs a little code in many places leaves most of the executable resident: about 15 MB of pages
/// that the steady state never reads. Once the start is over, every mapping of the executable is marked for
/// random access and its pages leave the process:
/// - the read-only ones are dropped (`MADV_DONTNEED`);
/// - the others are reclaimed (`MADV_PAGEOUT`): the writable data, which holds Swift's constant tables as well
///   (the compiler marks their sections writable), and the relocated read-only data. Dropping a page the
///   process wrote would lose it; reclaim writes it to swap, or leaves it when there is none, and drops only
///   the pages that still are the file's.
///
/// Then the executable's pages are dropped from the page cache (`POSIX_FADV_DONTNEED`) where no process maps
/// them. Fault-around maps every page of its block that the cache holds, and after an install or an image pull
/// the cache holds the whole file, as written. Outside the code, a fault then reads its one page (random
/// access). In the code, Linux reads around a fault whatever the advice, so what the steady state runs there
/// comes back a fault-around block at a time, which is why the release build places the idle agent's functions
/// side by side (scripts/symbol-order.sh). Pages that another process maps (a second agent, a `presence list`)
/// stay, in its mappings and in the cache. By hand, 100 containers, a minute on: VmRSS 15.4 -> 11.8 MB.
///
/// The heap is given back too (`GlibcMalloc.returnFreedPages`): the start decodes Docker's whole listing and
/// builds every write at once, and what it freed stays resident in malloc's arena until it is trimmed.
enum StartupPages {
    static func release() {
        #if os(Linux)
            for mapping in executableMappings() {
                guard let start = UnsafeMutableRawPointer(bitPattern: mapping.range.lowerBound) else { continue }
                let length = Int(mapping.range.upperBound - mapping.range.lowerBound)
                _ = madvise(start, length, MADV_RANDOM)
                // Reclaim never discards what the process wrote: a written page of a private mapping goes to swap
                // or stays, where MADV_DONTNEED would drop it.
                _ = madvise(start, length, mapping.holdsOwnPages ? MADV_PAGEOUT : MADV_DONTNEED)
            }
            dropExecutableFromPageCache()
            GlibcMalloc.returnFreedPages()
        #endif
    }

    #if os(Linux)
        /// Asks the kernel to drop the executable's cached pages that no process maps; dirty or mapped ones stay.
        private static func dropExecutableFromPageCache() {
            let descriptor = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return }
            defer { close(descriptor) }
            _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        }

        /// A mapping of the executable, and whether it may hold pages the process wrote: writable, or with
        /// anonymous pages (what the loader relocated before it made the mapping read-only).
        private struct Mapping {
            var range: Range<UInt>
            var holdsOwnPages: Bool
        }

        /// The executable's mappings, from /proc/self/smaps.
        private static func executableMappings() -> [Mapping] {
            guard let executable = realpath("/proc/self/exe", nil) else { return [] }
            let path = String(cString: executable)
            free(executable)
            guard let smaps = fopen("/proc/self/smaps", "r") else { return [] }
            defer { fclose(smaps) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(line) }
            var mappings: [Mapping] = []
            // The mapping being read, if it is one of the executable's.
            var current: Mapping?
            while getline(&line, &capacity, smaps) > 0, let line {
                let fields = String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\n" })
                if fields.first?.contains("-") == true, fields.count >= 5 {
                    // A header: "start-end perms offset dev inode [path]".
                    let bounds = fields[0].split(separator: "-").compactMap { UInt(String($0), radix: 16) }
                    let isOurs = fields.count >= 6 && fields[5] == path && bounds.count == 2 && bounds[0] < bounds[1]
                    current =
                        isOurs ? Mapping(range: bounds[0]..<bounds[1], holdsOwnPages: fields[1].contains("w")) : nil
                } else if fields.first == "Anonymous:", var mapping = current {
                    mapping.holdsOwnPages = mapping.holdsOwnPages || fields.count < 2 || fields[1] != "0"
                    mappings.append(mapping)
                    current = nil
                }
            }
            return mappings
        }
    #endif
}
