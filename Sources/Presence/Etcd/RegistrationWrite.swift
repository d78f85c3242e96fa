/// One container's write among several that a store may carry in one request: what
/// `RegistrationStore.write(container:keys:plan:isFirstWrite:)` takes.
public struct RegistrationWrite: Sendable, Equatable {
    public var container: String
    public var keys: [String: String]
    public var plan: RegistrationPlan
    public var isFirstWrite: Bool

    public init(container: String, keys: [String: String], plan: RegistrationPlan, isFirstWrite: Bool) {
        self.container = container
        self.keys = keys
        self.plan = plan
        self.isFirstWrite = isFirstWrite
    }
}
