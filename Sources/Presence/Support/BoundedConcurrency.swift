/// Runs `operation` for the items in order, at most `limit` at a time, and hands each result to `handle` as it
/// arrives, in the caller's isolation (an actor's state may change there).
///
/// Before an item starts, `shouldStart` is asked; when it says no, or `handle` returns false, no further item
/// starts, and those already running are awaited and handed over all the same: no result is lost. Returns the
/// items that did not start.
func forEachConcurrently<Item: Sendable, Output: Sendable>(
    _ items: some Collection<Item>, limit: Int,
    isolation: isolated (any Actor)? = #isolation,
    shouldStart: () -> Bool = { true },
    operation: @escaping @Sendable (Item) async -> Output,
    handle: (Item, Output) -> Bool
) async -> [Item] {
    var pending = items.makeIterator()
    var unstarted: [Item] = []
    var stopped = false
    await withTaskGroup(of: (Item, Output).self) { group in
        var running = 0
        func startNext() -> Bool {
            guard !stopped, let item = pending.next() else { return false }
            guard shouldStart() else {
                stopped = true
                unstarted.append(item)
                return false
            }
            group.addTask { (item, await operation(item)) }
            running += 1
            return true
        }
        while running < max(limit, 1), startNext() {}
        while running > 0, let (item, output) = await group.next() {
            running -= 1
            if !handle(item, output) { stopped = true }
            _ = startNext()
        }
    }
    if stopped { while let item = pending.next() { unstarted.append(item) } }
    return unstarted
}
