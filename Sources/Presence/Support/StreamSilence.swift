/// A stream's peer sent nothing for longer than the stream allows: the connection is taken for dead.
struct StreamSilence: Error, Sendable, CustomStringConvertible {
    /// How long the stream was silent before it was given up.
    var bound: Duration

    var description: String { "the peer sent nothing for \(bound.seconds) s" }
}
