import Logging
import Testing

@testable import Presence

/// Every interleaving of Docker's answers and etcd's outcomes, run synchronously on the pure value.
@Suite("The state machine decides who holds what")
struct RegistrationStateMachineTests {
    let t0 = ContinuousClock.now

    static func machine(formats: [RegistrationFormat] = [.keys], named: Set<String> = []) throws
        -> RegistrationStateMachine
    {
        RegistrationStateMachine(
            layout: try KeyLayout(template: "/containers", hostname: "h1", formats: formats), namedSelection: named)
    }

    static func serving(_ name: String, port: Int = 8080) -> RegistrationDecision {
        .register(
            name: name, ports: [PublishedPort(containerPort: 80, transport: "tcp", host: "192.0.2.1", hostPort: port)])
    }

    /// Carries out every step as etcd would, except those `failing` names: what a pass does.
    @discardableResult
    static func run(
        _ machine: inout RegistrationStateMachine, at now: ContinuousClock.Instant, failing: Set<String> = []
    ) -> [RegistrationStep] {
        var all: [RegistrationStep] = []
        while true {
            let steps = machine.nextSteps(at: now)
            if steps.isEmpty { return all }
            for step in steps {
                all.append(step)
                if failing.contains(step.subject) {
                    machine.failed(step, error: "refused", at: now)
                } else {
                    machine.completed(step)
                }
            }
        }
    }

    static func holders(_ machine: RegistrationStateMachine) -> [String: String] {
        machine.registrations.mapValues(\.name)
    }

    @Test func aFailingContainerHoldsBackNoOtherAndIsRetriedWithBackoff() throws {
        var machine = try Self.machine()
        for (id, name) in [("1", "a"), ("2", "big"), ("3", "z")] {
            machine.observe(id, containerName: name, decision: Self.serving(name))
        }
        Self.run(&machine, at: t0, failing: ["2"])
        #expect(Self.holders(machine) == ["1": "a", "3": "z"])
        let retry = try #require(machine.nextRetry)
        #expect(retry > t0)
        #expect(Self.run(&machine, at: t0).isEmpty, "nothing is tried again before the backoff is over")
        Self.run(&machine, at: retry, failing: ["2"])
        let second = try #require(machine.nextRetry)
        #expect(second - retry > retry - t0, "each failure doubles the wait")
        Self.run(&machine, at: second)
        #expect(Self.holders(machine) == ["1": "a", "2": "big", "3": "z"])
        #expect(machine.nextRetry == nil)
        let warnings = machine.takeNotes().filter { $0.level == .warning }
        #expect(warnings.count == 1, "the same failure twice is one note")
    }

    @Test func aFailedInspectKeepsWhatTheContainerHoldsAndIsDueAgain() throws {
        var machine = try Self.machine()
        machine.observe("1", containerName: "a", decision: Self.serving("a"))
        Self.run(&machine, at: t0)
        machine.inspectFailed("1", containerName: "a", error: "500", at: t0)
        #expect(Self.run(&machine, at: t0).isEmpty, "no removal on a failed inspect")
        #expect(machine.dueInspections(at: t0).isEmpty)
        #expect(machine.dueInspections(at: try #require(machine.nextRetry)) == ["1"])
        machine.observe("1", containerName: "a", decision: Self.serving("a"))
        #expect(machine.nextRetry == nil)
    }

    @Test(arguments: ["stop", "pause", "unhealthy", "destroy"])
    func whenTheHolderLeavesTheContenderTakesTheNameInTheSamePass(how: String) throws {
        var machine = try Self.machine()
        machine.observe("blue", containerName: "svc-blue", decision: Self.serving("svc", port: 1))
        Self.run(&machine, at: t0)
        machine.observe("green", containerName: "svc-green", decision: Self.serving("svc", port: 2))
        #expect(Self.run(&machine, at: t0).isEmpty, "green is refused while blue holds svc")
        #expect(machine.takeNotes().contains { $0.level == .warning && $0.container == "svc-green" })
        switch how {
        case "stop": machine.stoppedServing("blue")
        case "pause": machine.observe("blue", containerName: "svc-blue", decision: .skip(reason: "container is paused"))
        case "unhealthy":
            machine.observe("blue", containerName: "svc-blue", decision: .skip(reason: "container is unhealthy"))
        default: machine.containerGone("blue")
        }
        let steps = Self.run(&machine, at: t0)
        #expect(steps.count == 2)
        guard case .remove("blue", _) = steps.first, case .write("green", _, _, true) = steps.last else {
            Issue.record("expected blue's removal, then green's first write: \(steps)")
            return
        }
        #expect(Self.holders(machine) == ["green": "svc"])
    }

    @Test func namesThatShareADNSLabelHandOverToo() throws {
        var machine = try Self.machine(formats: [.keys, .skydns(RegistrationFormatTests.zone)])
        machine.observe("1", containerName: "Web", decision: Self.serving("Web", port: 1))
        Self.run(&machine, at: t0)
        machine.observe("2", containerName: "web", decision: Self.serving("web", port: 2))
        #expect(Self.run(&machine, at: t0).isEmpty, "web and Web are one DNS label")
        machine.stoppedServing("1")
        Self.run(&machine, at: t0)
        #expect(Self.holders(machine) == ["2": "web"])
    }

    @Test func renameAndReplaceInOneBatch() throws {
        var machine = try Self.machine()
        machine.observe("old", containerName: "web", decision: Self.serving("web", port: 1))
        Self.run(&machine, at: t0)
        // docker rename web web-old && docker run --name web: both inspected in one batch, the new one first.
        machine.observe("new", containerName: "web", decision: Self.serving("web", port: 2))
        machine.observe("old", containerName: "web-old", decision: Self.serving("web-old", port: 1))
        Self.run(&machine, at: t0)
        #expect(Self.holders(machine) == ["old": "web-old", "new": "web"])
        #expect(!machine.takeNotes().contains { $0.level == .warning }, "no conflict is reported for a handover")
    }

    @Test func aContenderWaitsWhileTheHoldersRemovalFails() throws {
        var machine = try Self.machine()
        machine.observe("1", containerName: "a", decision: Self.serving("svc", port: 1))
        Self.run(&machine, at: t0)
        machine.observe("2", containerName: "b", decision: Self.serving("svc", port: 2))
        machine.stoppedServing("1")
        let steps = Self.run(&machine, at: t0, failing: ["1"])
        #expect(steps.count == 1, "b is not written over keys that a failed removal left: \(steps)")
        #expect(Self.holders(machine) == ["1": "svc"])
        Self.run(&machine, at: try #require(machine.nextRetry))
        #expect(Self.holders(machine) == ["2": "svc"])
    }

    /// A holder whose removal fails is no longer kept alive, whichever way it left; one whose write of a change
    /// fails still is, with the keys it holds.
    @Test func aLeavingHoldersKeysAreLeftToExpireWhileItsRemovalFails() throws {
        var machine = try Self.machine()
        for (id, name) in [("1", "stops"), ("2", "renamed"), ("3", "changes"), ("4", "steady")] {
            machine.observe(id, containerName: name, decision: Self.serving(name))
        }
        Self.run(&machine, at: t0)
        #expect(machine.keptNames == ["changes", "renamed", "steady", "stops"])
        machine.stoppedServing("1")
        machine.observe("2", containerName: "renamed", decision: Self.serving("other"))
        machine.observe("3", containerName: "changes", decision: Self.serving("changes", port: 9))
        Self.run(&machine, at: t0, failing: ["1", "2", "3"])
        #expect(Self.holders(machine) == ["1": "stops", "2": "renamed", "3": "changes", "4": "steady"])
        #expect(machine.keptNames == ["changes", "steady"])
    }

    @Test func contendersGetANameInTheOrderTheyClaimedIt() throws {
        var machine = try Self.machine()
        machine.observe("1", containerName: "a", decision: Self.serving("svc", port: 1))
        Self.run(&machine, at: t0)
        machine.observe("3", containerName: "c", decision: Self.serving("svc", port: 3))
        machine.observe("2", containerName: "b", decision: Self.serving("svc", port: 2))
        machine.stoppedServing("1")
        Self.run(&machine, at: t0)
        #expect(Self.holders(machine) == ["3": "svc"])
    }

    @Test func driftRewritesTheHolderWithoutHandingItsNameOver() throws {
        var machine = try Self.machine()
        machine.observe("9", containerName: "late", decision: Self.serving("svc", port: 9))
        Self.run(&machine, at: t0)
        machine.observe("1", containerName: "early", decision: Self.serving("svc", port: 1))
        Self.run(&machine, at: t0)
        let drift = machine.correctDrift(etcdHolds: ["/containers/svc/80/host": "192.0.2.1"])
        #expect(drift?.missingOrChanged == 1)
        let steps = Self.run(&machine, at: t0)
        guard case .write("9", _, _, true) = steps.first, steps.count == 1 else {
            Issue.record("expected one first write of the holder: \(steps)")
            return
        }
        #expect(Self.holders(machine) == ["9": "svc"])
    }

    @Test func aLostLeaseRewritesEveryHolderWhole() throws {
        var machine = try Self.machine()
        machine.observe("1", containerName: "a", decision: Self.serving("a"))
        machine.observe("2", containerName: "b", decision: Self.serving("b"))
        Self.run(&machine, at: t0)
        machine.leaseLost()
        #expect(machine.registrations.isEmpty, "nothing is held until it is written again")
        let steps = Self.run(&machine, at: t0)
        #expect(steps.allSatisfy { if case .write(_, _, _, true) = $0 { true } else { false } })
        #expect(steps.count == 2)
    }

    @Test func aWriteWhoseAnswerIsLostIsRemovedAtShutdown() throws {
        var machine = try Self.machine()
        machine.observe("1", containerName: "a", decision: Self.serving("a"))
        Self.run(&machine, at: t0, failing: ["1"])
        #expect(machine.registrations.isEmpty)
        #expect(machine.touchedNames == ["a"], "the write may land late: shutdown removes its name too")
    }

    @Test func everythingAboutAGoneContainerIsDropped() throws {
        var machine = try Self.machine()
        machine.observe("1", containerName: "a", decision: Self.serving("a"))
        machine.inspectFailed("2", containerName: "b", error: "500", at: t0)
        Self.run(&machine, at: t0)
        machine.listed([])
        Self.run(&machine, at: t0)
        #expect(machine.trackedEntries == 0)
        #expect(machine.touchedNames.isEmpty)
    }

    @Test func memoryStaysFlatOverTenThousandShortLivedContainers() throws {
        var machine = try Self.machine()
        func churn(_ range: Range<Int>) {
            for index in range {
                let id = "id-\(index)"
                machine.observe(id, containerName: "job-\(index)", decision: Self.serving("job-\(index)"))
                Self.run(&machine, at: t0)
                if index.isMultiple(of: 3) {
                    machine.stoppedServing(id)
                } else if index.isMultiple(of: 3 + 1) {
                    machine.observe(
                        id, containerName: "job-\(index)", decision: .skip(reason: RegistrationDecision.notRunning))
                } else {
                    machine.containerGone(id)
                }
                Self.run(&machine, at: t0)
                _ = machine.takeNotes()
            }
        }
        churn(0..<100)
        let before = machine.tableCapacity
        churn(100..<10_100)
        #expect(machine.trackedEntries == 0)
        #expect(machine.registrations.isEmpty && machine.touchedNames.isEmpty)
        #expect(machine.tableCapacity == before, "storage after 10,000 containers is what one at a time needs")
    }

    @Test func aNamedContainersNotesAreKeptSoARestartIsNotReportedTwice() throws {
        var machine = try Self.machine(named: ["web"])
        machine.observe("1", containerName: "web", decision: .skip(reason: "container is paused"))
        machine.observe("1", containerName: "web", decision: .skip(reason: "container is paused"))
        #expect(machine.takeNotes().count == 1)
    }

    @Test func aRegistrationsRememberedStateTellsApartValuesThatLookLikeMoreKeys() {
        let one = RegistrationStateMachine.registeredState(["/a": "1:/b=x"])
        let two = RegistrationStateMachine.registeredState(["/a": "1", "/b": "x"])
        #expect(one != two)
        var reordered: [String: String] = [:]
        for key in ["/z", "/a", "/m"] { reordered[key] = key + "-value" }
        #expect(
            RegistrationStateMachine.registeredState(reordered)
                == RegistrationStateMachine.registeredState(["/a": "/a-value", "/m": "/m-value", "/z": "/z-value"]))
    }
}
