/// One container event as dockerd streams it on `GET /events`, with `timeNano`, which the agent resumes from.
struct SimulatedEvent: Sendable {
    var action: String
    var container: SimulatedContainer
    /// Nanoseconds since 1970 on this machine's real-time clock, Docker's clock for `since`.
    var timeNano: Int

    /// The JSON object, in the shape of moby's `events.Message` (the old `status`/`id`/`from` fields too).
    var json: [String: Any] {
        [
            "status": action, "id": container.id, "from": "fleet:sim", "Type": "container", "Action": action,
            "Actor": ["ID": container.id, "Attributes": ["name": container.name, "image": "fleet:sim"]]
                as [String: Any],
            "scope": "local", "time": timeNano / 1_000_000_000, "timeNano": timeNano,
        ]
    }
}
