import Testing

@testable import Presence

/// Docker writes the container's own name and image over labels of those keys in every container event.
@Suite("Label selection never trusts an attribute Docker overwrites")
struct EventLabelSelectionTests {
    /// The attributes of a start event of a container labelled `name=api` and `image=custom`, as Docker sends
    /// them: the labels' values replaced by the container's name and image.
    let rewritten = DockerEvent(
        type: "container", action: "start", actorID: "x",
        attributes: ["name": "api-1", "image": "busybox:latest", "tier": "front"], timeNano: 0)

    @Test(arguments: ["name=api", "image=custom", "name", "image"])
    func aLabelOfAnOverwrittenKeyIsDecidedByTheInspect(label: String) throws {
        let selection = try ContainerSelection(labels: [.init(label)])
        #expect(rewritten.mightSelect(selection))
    }

    @Test func otherLabelsAreStillReadFromTheEvent() throws {
        #expect(rewritten.mightSelect(try ContainerSelection(labels: [.init("tier=front")])))
        #expect(!rewritten.mightSelect(try ContainerSelection(labels: [.init("tier=back")])))
    }

    @Test func theInspectSeesTheRealLabel() throws {
        let selection = try ContainerSelection(labels: [.init("name=api")])
        let snapshot = ContainerSnapshot(
            name: "api-1", id: "x", isRunning: true,
            bindings: [PortBinding(containerPort: 80, hostIP: "0.0.0.0", hostPort: 8080)], labels: ["name": "api"])
        guard case .register = RegistrationDecision.decide(snapshot, selection: selection, hostIP: "192.0.2.1") else {
            Issue.record("the inspected labels select the container")
            return
        }
    }
}
