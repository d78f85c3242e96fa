/// Turns split JSON objects into event messages.
public enum DockerEventDecoding {
    public static func messages(
        from outputs: [JSONObjectSplitter.Output], decoder: JSONDecoder = JSONDecoder()
    ) -> [DockerEventMessage] {
        outputs.map { output in
            switch output {
            case .malformed(let reason):
                return .malformed(reason)
            case .object(let bytes):
                do {
                    return .event(try decoder.decode(DockerEvent.self, from: Data(bytes)))
                } catch {
                    return .malformed(
                        "an event could not be read: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
                }
            }
        }
    }
}
