/// The version `presence --version` prints.
enum PresenceVersion {
    static let current = "0.1.0"
}
