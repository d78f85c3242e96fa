/// How `presence list` prints: aligned columns for people, or JSON for programs.
public enum RegistryOutput: String, Sendable, CaseIterable {
    case table, json
}
