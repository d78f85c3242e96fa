import Testing

@testable import Presence

@Suite("/readyz: Docker and etcd answered within the TTL")
struct ReadinessTests {
    let start = ContinuousClock.now
    let ttl = Duration.seconds(60)

    func at(_ seconds: Int) -> ContinuousClock.Instant { start + .seconds(seconds) }

    /// A readiness where both servers answered and a pass went through at second 0.
    func synced() -> Readiness {
        let readiness = Readiness(startedAt: start)
        readiness.answered(.docker, at: at(0))
        readiness.answered(.etcd, at: at(0))
        readiness.synced()
        return readiness
    }

    @Test func notReadyUntilTheFirstPass() {
        let readiness = Readiness(startedAt: start)
        #expect(
            readiness.status(now: at(1), ttl: ttl)
                == .notReady("not yet synced (waiting for Docker and etcd to answer)"))
        readiness.answered(.docker, at: at(1))
        #expect(readiness.status(now: at(1), ttl: ttl) == .notReady("not yet synced (waiting for etcd to answer)"))
        readiness.answered(.etcd, at: at(2))
        #expect(readiness.status(now: at(2), ttl: ttl) == .notReady("not yet synced"))
        readiness.synced()
        #expect(readiness.status(now: at(2), ttl: ttl) == .ready)
    }

    @Test func aServerThatNeverAnsweredIsNamedAtOnce() {
        let readiness = Readiness(startedAt: start)
        readiness.answered(.docker, at: at(0))
        readiness.failed(.etcd, "cannot reach etcd at http://127.0.0.1:1", at: at(1))
        #expect(
            readiness.status(now: at(3), ttl: ttl)
                == .notReady(
                    "etcd has not answered since the agent started 3 s ago (last error: cannot reach etcd at http://127.0.0.1:1)"
                ))
    }

    @Test func failuresWithinTheTTLKeepTheAgentReady() {
        let readiness = synced()
        readiness.failed(.etcd, "timeout", at: at(10))
        #expect(readiness.status(now: at(60), ttl: ttl) == .ready, "keys are still alive")
        #expect(
            readiness.status(now: at(72), ttl: ttl) == .notReady("etcd has not answered for 72 s (last error: timeout)")
        )
        readiness.answered(.etcd, at: at(73))
        #expect(readiness.status(now: at(73), ttl: ttl) == .ready)
    }

    @Test func dockerIsNamedToo() {
        let readiness = synced()
        readiness.answered(.etcd, at: at(100))
        readiness.failed(.docker, "cannot reach Docker at unix:///run/docker.sock: no such file", at: at(100))
        #expect(
            readiness.status(now: at(100), ttl: ttl)
                == .notReady(
                    "Docker has not answered for 100 s (last error: cannot reach Docker at unix:///run/docker.sock: no such file)"
                ))
    }

    @Test func aServerNotAskedSinceItAnsweredIsNotHeldAgainstTheAgent() {
        // etcd is only asked when there is something to write or keep alive.
        let readiness = synced()
        readiness.answered(.docker, at: at(500))
        #expect(readiness.status(now: at(500), ttl: ttl) == .ready)
    }

    @Test func aFailureBeforeTheLastAnswerIsHistory() {
        let readiness = synced()
        readiness.failed(.docker, "refused", at: at(5))
        readiness.answered(.docker, at: at(6))
        #expect(readiness.status(now: at(200), ttl: ttl) == .ready)
    }
}
