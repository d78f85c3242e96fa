import ArgumentParser
import Logging
import Presence

// The library's choices, read from the command line by their raw values (`--etcd-api v2`, `--output json`).
extension EtcdAPIVersion: ExpressibleByArgument {}
extension AddressMode: ExpressibleByArgument {}
extension RegistrationFormat.Name: ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
extension RegistryOutput: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
