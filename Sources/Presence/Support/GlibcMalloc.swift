#if canImport(Glibc)
    import Glibc
#endif

/// The two knobs of glibc's malloc the agent turns. The Glibc module does not declare them (they are in
/// malloc.h), so they are looked up at run time; with another C library they do nothing.
public enum GlibcMalloc {
    /// One arena for every thread (`mallopt(M_ARENA_MAX, 1)`), unless the operator set `MALLOC_ARENA_MAX`.
    ///
    /// glibc gives a thread that finds the arena busy an arena of its own, up to eight per core, and what the
    /// start freed stays stranded in each: with 500 containers that was 1.4 MB more resident (docs/BENCHMARKS.md).
    /// The agent's threads are few and allocate in short bursts, so they seldom wait for one another's lock.
    /// Call it first thing, before any thread starts.
    public static func useOneArena() {
        #if os(Linux)
            guard getenv("MALLOC_ARENA_MAX") == nil, let symbol = lookUp("mallopt") else { return }
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            let arenaMax: Int32 = -8  // M_ARENA_MAX
            _ = unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, 1)
        #endif
    }

    /// `malloc_trim(0)`: the free pages of every arena back to the kernel.
    static func returnFreedPages() {
        #if os(Linux)
            _ = mallocTrim?(0)
        #endif
    }

    #if os(Linux)
        private typealias MallocTrim = @convention(c) (Int) -> Int32
        /// Looked up once: it runs once an interval for as long as the agent runs.
        private static let mallocTrim: MallocTrim? = lookUp("malloc_trim").map {
            unsafeBitCast($0, to: MallocTrim.self)
        }

        /// A function of the libraries the process loaded (RTLD_DEFAULT).
        private static func lookUp(_ name: String) -> UnsafeMutableRawPointer? {
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
        }
    #endif
}
