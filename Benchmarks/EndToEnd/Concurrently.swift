/// Runs `body` on each element, at most `width` at a time, and returns the results in order.
@discardableResult
func concurrently<Element: Sendable, Result: Sendable>(
    _ elements: [Element], width: Int = 8, _ body: @escaping @Sendable (Element) async throws -> Result
) async throws -> [Result] {
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var results = [Result?](repeating: nil, count: elements.count)
        var next = 0
        func addNext() {
            guard next < elements.count else { return }
            let index = next
            let element = elements[index]
            group.addTask { (index, try await body(element)) }
            next += 1
        }
        for _ in 0..<width { addNext() }
        while let (index, result) = try await group.next() {
            results[index] = result
            addNext()
        }
        return results.map { $0! }
    }
}
