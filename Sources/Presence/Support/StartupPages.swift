#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The pages of the agent's own executable and libraries that only its start needed, unmapped once the start is
/// over.
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
/// The shared libraries' read-only mappings (libc's code above all) are dropped too; the page cache keeps
/// their pages for the other processes that map them.
///
/// With `fromPageCache`, the executable's pages then leave the page cache where no process maps them: reclaimed
/// (`MADV_PAGEOUT`) and evicted (`POSIX_FADV_DONTNEED`). Fault-around maps every page of its block that the cache
/// holds, and after an install or an image build the cache holds the whole file, as written, in folios of up to
/// 2 MB; Linux 6.18 maps a folio whole on a fault, and eviction skips one that any page of keeps mapped. Reclaim
/// unmaps and evicts in the kernel, so the folios of the code that runs the release leave too (by hand, a binary
/// written in one write, 100 containers, a minute on: VmRSS 11.6 -> 9.8 MB, as from a cold cache: its first 2 MB
/// folio, type metadata and unwind tables, had stayed whole). After the eviction a fault outside the code reads
/// its one page (random access), and one in the code what Linux reads around it whatever the advice. What the
/// steady state runs then comes back a few pages or a fault-around block at a time, which is why the release
/// build places the idle agent's functions side by side (scripts/symbol-order.sh). Pages that another process
/// maps (a second agent, a `presence list`) stay, in its mappings and in the cache. A later release need not
/// evict again: what the cache holds by then is what ran since.
///
/// By hand, 100 containers, a minute on: VmRSS 15.1 -> 10.0 MB; the page faults that read the pages back cost
/// about 13 ms of CPU, once.
///
/// The heap is given back too (`GlibcMalloc.returnFreedPages`): the start decodes Docker's whole listing and
/// builds every write at once, and what it freed stays resident in malloc's arena until it is trimmed.
enum StartupPages {
    /// `fromPageCache`: whether the executable's pages also leave the page cache; see the type's comment.
    static func release(fromPageCache: Bool) {
        #if os(Linux)
            let mappings = fileMappings()
            let executable = fromPageCache ? open("/proc/self/exe", O_RDONLY | O_CLOEXEC) : -1
            defer { if executable >= 0 { close(executable) } }
            for mapping in mappings {
                guard let start = UnsafeMutableRawPointer(bitPattern: mapping.range.lowerBound) else { continue }
                if mapping.isExecutable {
                    _ = madvise(start, mapping.length, MADV_RANDOM)
                    // Reclaim never discards what the process wrote: a written page of a private mapping goes to
                    // swap or stays, where MADV_DONTNEED would drop it. At the first release it takes the read-only
                    // mappings too: it unmaps and evicts each folio inside the kernel, those of the code running
                    // here included (see the type's comment). Linux reclaims a file's pages only for its owner or
                    // root; what it left of a read-only mapping, MADV_DONTNEED drops.
                    if mapping.holdsOwnPages || executable >= 0 { _ = madvise(start, mapping.length, MADV_PAGEOUT) }
                    if !mapping.holdsOwnPages { _ = madvise(start, mapping.length, MADV_DONTNEED) }
                    // At once: a folio that this process maps again stays in the cache, and every page of it
                    // comes back with the next fault (see the type's comment).
                    if executable >= 0 {
                        _ = posix_fadvise(executable, mapping.fileOffset, off_t(mapping.length), POSIX_FADV_DONTNEED)
                    }
                } else if !mapping.holdsOwnPages {
                    // A shared library's read-only pages: other processes map them too, so they leave this
                    // process alone, and the page cache keeps them.
                    _ = madvise(start, mapping.length, MADV_DONTNEED)
                }
            }
            GlibcMalloc.returnFreedPages()
        #endif
    }

    #if os(Linux)
        /// A mapping of a file: of the executable or of a shared library; and whether it may hold pages the
        /// process wrote: writable, or with anonymous pages (what the loader relocated before it made the mapping
        /// read-only).
        private struct Mapping {
            var range: Range<UInt>
            var fileOffset: off_t
            var isExecutable: Bool
            var holdsOwnPages: Bool
            var length: Int { Int(range.upperBound - range.lowerBound) }
        }

        /// The process's mappings of files, from /proc/self/smaps.
        private static func fileMappings() -> [Mapping] {
            guard let executable = realpath("/proc/self/exe", nil) else { return [] }
            let path = String(cString: executable)
            free(executable)
            guard let smaps = fopen("/proc/self/smaps", "r") else { return [] }
            defer { fclose(smaps) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(line) }
            var mappings: [Mapping] = []
            // The mapping being read, if it is a file's.
            var current: Mapping?
            while getline(&line, &capacity, smaps) > 0, let line {
                let fields = String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\n" })
                if fields.first?.contains("-") == true, fields.count >= 5 {
                    // A header: "start-end perms offset dev inode [path]".
                    let bounds = fields[0].split(separator: "-").compactMap { UInt(String($0), radix: 16) }
                    let offset = off_t(String(fields[2]), radix: 16)
                    // Only a file's whole path: not "[heap]", "[vdso]", nor a file deleted since it was mapped.
                    let isFile = fields.count == 6 && fields[5].hasPrefix("/")
                    if isFile, bounds.count == 2, bounds[0] < bounds[1], let offset {
                        current = Mapping(
                            range: bounds[0]..<bounds[1], fileOffset: offset, isExecutable: fields[5] == path,
                            holdsOwnPages: fields[1].contains("w"))
                    } else {
                        current = nil
                    }
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
