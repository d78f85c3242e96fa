import Testing

@testable import Presence

@Suite("Selecting containers and the presence.* labels")
struct SelectionTests {
    static func container(
        _ name: String = "web", labels: [String: String] = [:], health: String? = nil, running: Bool = true,
        paused: Bool = false
    ) -> ContainerSnapshot {
        ContainerSnapshot(
            name: name, id: "id-\(name)", isRunning: running, isPaused: paused, health: health,
            bindings: [
                PortBinding(containerPort: 80, hostIP: "0.0.0.0", hostPort: 8080),
                PortBinding(containerPort: 443, hostIP: "0.0.0.0", hostPort: 8443),
                PortBinding(containerPort: 53, transport: "udp", hostIP: "0.0.0.0", hostPort: 5353),
            ], labels: labels)
    }

    func decide(_ snapshot: ContainerSnapshot?, _ selection: ContainerSelection, health: Bool = true)
        -> RegistrationDecision
    {
        RegistrationDecision.decide(snapshot, selection: selection, hostIP: "h", respectingHealth: health)
    }

    @Test func selectionsCombineAsAUnion() throws {
        let selection = try ContainerSelection(
            names: ["web"], labels: [.init("tier=front"), .init("team")])
        #expect(selection.selects(name: "web", labels: [:]))
        #expect(selection.selects(name: "other", labels: ["tier": "front", "team": "a"]))
        #expect(!selection.selects(name: "other", labels: ["tier": "front"]), "every label must match")
        #expect(!selection.selects(name: "other", labels: ["tier": "back", "team": "a"]))
        #expect(try ContainerSelection(all: true).selects(name: "anything", labels: [:]))
    }

    @Test func presenceIgnoreWinsEvenOverAll() throws {
        let selection = try ContainerSelection(names: ["web"], all: true)
        #expect(!selection.selects(name: "web", labels: ["presence.ignore": "true"]))
        #expect(selection.selects(name: "web", labels: ["presence.ignore": "false"]))
    }

    @Test func conflictingOrEmptySelectionsAreRefused() {
        #expect(throws: ConfigurationError.self) { try ContainerSelection() }
        #expect(throws: ConfigurationError.self) { try ContainerSelection.LabelRequirement("=x") }
        #expect(throws: ConfigurationError.self) { try ContainerSelection.LabelRequirement("") }
        #expect(throws: ConfigurationError.self) {
            try ContainerSelection(labels: [.init("tier=a"), .init("tier=b")])
        }
    }

    @Test func presencePortsRegistersOnlyThosePorts() throws {
        let decision = decide(
            Self.container(labels: ["presence.ports": "80, 53/udp"]), try ContainerSelection(all: true))
        guard case .register(_, let ports, _) = decision else {
            Issue.record("\(decision)")
            return
        }
        #expect(ports.map(\.segment) == ["53-udp", "80"])
    }

    @Test func presenceNameRenamesTheRegistration() throws {
        let decision = decide(Self.container(labels: ["presence.name": "api"]), try ContainerSelection(all: true))
        guard case .register(let name, _, _) = decision else {
            Issue.record("\(decision)")
            return
        }
        #expect(name == "api")
    }

    @Test(arguments: [
        ["presence.name": "../etc"], ["presence.name": "a/b"], ["presence.name": ""], ["presence.name": "x\u{1}y"],
        ["presence.name": ".."], ["presence.ports": "eighty"], ["presence.ports": "80/quic"], ["presence.ports": ""],
        ["presence.ports": "70000"],
    ])
    func invalidLabelValuesAreRefusedWithAWarning(labels: [String: String]) throws {
        let decision = decide(Self.container(labels: labels), try ContainerSelection(all: true))
        guard case .refuse(let warning) = decision else {
            Issue.record("\(decision)")
            return
        }
        #expect(warning.contains("presence."))
    }

    @Test(arguments: [("starting", false), ("unhealthy", false), ("healthy", true), (nil, true)] as [(String?, Bool)])
    func healthchecksGateRegistration(health: String?, registered: Bool) throws {
        let decision = decide(Self.container(health: health), try ContainerSelection(names: ["web"]))
        if case .register = decision { #expect(registered) } else { #expect(!registered) }
        if case .register = decide(
            Self.container(health: health), try ContainerSelection(names: ["web"]), health: false)
        {
        } else {
            Issue.record("--ignore-health registers it regardless")
        }
    }

    @Test func pausedStoppedGoneAndUnselectedAreSkipped() throws {
        let selection = try ContainerSelection(names: ["web"])
        for snapshot in [Self.container(paused: true), Self.container(running: false), nil, Self.container("other")] {
            guard case .skip = decide(snapshot, selection) else {
                Issue.record("\(String(describing: snapshot)) should be skipped")
                continue
            }
        }
    }
}
