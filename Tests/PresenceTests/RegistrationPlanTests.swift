import Testing

@testable import Presence

@Suite("The difference between what etcd holds and what it should")
struct RegistrationPlanTests {
    @Test func nothingWrittenYetPutsEverything() {
        let plan = RegistrationPlan(from: [:], to: ["/c/w/80/host": "h", "/c/w/80/port": "8080"])
        #expect(plan.puts.count == 2)
        #expect(plan.deletes.isEmpty)
    }

    @Test func unchangedKeysAreNotRewritten() {
        let keys = ["/c/w/80/host": "h", "/c/w/80/port": "8080"]
        #expect(RegistrationPlan(from: keys, to: keys).isEmpty)
    }

    @Test func aRecreatedContainerWithOtherPorts() {
        let before = ["/c/w/80/host": "h", "/c/w/80/port": "8080"]
        let after = ["/c/w/80/host": "h", "/c/w/80/port": "8081", "/c/w/443/host": "h", "/c/w/443/port": "8443"]
        let plan = RegistrationPlan(from: before, to: after)
        #expect(plan.puts == ["/c/w/80/port": "8081", "/c/w/443/host": "h", "/c/w/443/port": "8443"])
        #expect(plan.deletes.isEmpty)
        let back = RegistrationPlan(from: after, to: before)
        #expect(back.puts == ["/c/w/80/port": "8080"])
        #expect(back.deletes == ["/c/w/443/host", "/c/w/443/port"])
    }
}
