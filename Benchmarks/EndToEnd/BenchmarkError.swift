/// A failure that ends the run, with a message that says what happened and, where it can, what to do.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A wait that ran out of time: the phases count some of them as lost samples instead of failing.
struct WaitTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}
