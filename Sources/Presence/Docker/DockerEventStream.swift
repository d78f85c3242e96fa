import AsyncHTTPClient

/// Docker's event stream once its head has arrived.
public struct DockerEventStream: Sendable {
    let body: HTTPClientResponse.Body

    /// The events, and the reader that feeds them: run the reader in a task of the caller's task group while
    /// the events are read. The events throw `StreamSilence` when Docker sends nothing for `bound`.
    func messages(
        silentAfter bound: Duration
    ) -> (DockerEventSequence, SilenceBoundedChunks.Reader<HTTPClientResponse.Body>) {
        let (chunks, reader) = SilenceBoundedChunks.make(reading: body, silentAfter: { bound })
        return (DockerEventSequence(chunks: chunks), reader)
    }
}
