// ServiceLifecycle describes each service it is given, and logs the descriptions. A type without a description
// of its own is described by reflecting every stored property, which took milliseconds of the agent's start:
// each service is described by its name.

extension RegistrationService: CustomStringConvertible {
    public var description: String { "RegistrationService" }
}

extension DockerEventWatcher: CustomStringConvertible {
    public var description: String { "DockerEventWatcher" }
}

extension MetricsServer: CustomStringConvertible {
    public var description: String { "MetricsServer" }
}

extension StartupPagesRelease: CustomStringConvertible {
    var description: String { "StartupPagesRelease" }
}

extension RegistryWatcher: CustomStringConvertible {
    var description: String { "RegistryWatcher" }
}

extension StartAnnouncement: CustomStringConvertible {
    var description: String { "StartAnnouncement" }
}
