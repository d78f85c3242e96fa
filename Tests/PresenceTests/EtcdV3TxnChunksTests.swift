import Testing

@testable import Presence

@Suite("A registration is cut into transactions etcd accepts")
struct EtcdV3TxnChunksTests {
    /// `count` groups of `size` operations, numbered from `start` in order.
    func groups(_ count: Int, of size: Int, from start: Int = 0) -> [[Int]] {
        (0..<count).map { group in (0..<size).map { start + group * size + $0 } }
    }

    @Test(arguments: [1, 64, 128])
    func aWriteThatFitsStaysOneTransaction(ports: Int) {
        let chunks = EtcdV3TxnChunks.split(groups(ports, of: 2), limit: 256)
        #expect(chunks.count == 1)
        #expect(Array(chunks[0].joined()) == Array(0..<ports * 2))
    }

    @Test func exactlyTheLimitIsOneTransactionAndOneMoreIsTwo() {
        #expect(EtcdV3TxnChunks.split(groups(64, of: 2), limit: 128).count == 1)
        #expect(EtcdV3TxnChunks.split(groups(64, of: 2) + [[128]], limit: 128).count == 2)
    }

    /// 100 published ports in the `keys` format: 200 operations, 128 at most per transaction.
    @Test func aHundredPortsTakeTwoTransactionsInOrder() {
        let chunks = EtcdV3TxnChunks.split(groups(100, of: 2), limit: 128)
        #expect(chunks.map { $0.joined().count } == [128, 72])
        #expect(Array(chunks.joined().joined()) == Array(0..<200), "every operation once, in the order given")
    }

    @Test func aPortsKeysAreNeverSplitAcrossTransactions() {
        // Groups of 2 with an odd limit: a greedy cut by operations would split the 4th group.
        let chunks = EtcdV3TxnChunks.split(groups(10, of: 2), limit: 7)
        #expect(chunks.map { $0.joined().count } == [6, 6, 6, 2])
        for chunk in chunks { #expect(chunk.allSatisfy { $0.count == 2 }) }
    }

    /// Puts come first, deletes of leftovers after: the deletes land in the last transactions.
    @Test func putsLandBeforeDeletes() {
        let puts = groups(50, of: 2)
        let deletes = groups(30, of: 2, from: 1000)
        let chunks = EtcdV3TxnChunks.split(puts + deletes, limit: 32)
        let order = Array(chunks.joined().joined())
        #expect(order == Array(puts.joined()) + Array(deletes.joined()))
        #expect(chunks.allSatisfy { $0.joined().count <= 32 })
        let lastPut = order.lastIndex { $0 < 1000 }!
        let firstDelete = order.firstIndex { $0 >= 1000 }!
        #expect(lastPut < firstDelete)
    }

    @Test func aGroupLargerThanTheLimitIsCutRatherThanRefused() {
        let chunks = EtcdV3TxnChunks.split([[0, 1, 2], [3]], limit: 1)
        #expect(chunks.map { Array($0.joined()) } == [[0], [1], [2], [3]])
    }

    @Test func emptyGroupsAndNoGroupsSendNothing() {
        #expect(EtcdV3TxnChunks.split([[Int]](), limit: 128).isEmpty)
        #expect(EtcdV3TxnChunks.split([[], []] as [[Int]], limit: 128).isEmpty)
    }

    @Test(arguments: [
        (128, 128, 64), (128, 40, 32), (32, 32, 16), (16, 16, 8), (128, 2, 1), (2, 2, 1),
    ])
    func aRefusedLimitIsHalvedBelowWhatWasRefused(limit: Int, refused: Int, lowered: Int) {
        #expect(EtcdV3TxnChunks.lowered(limit, refused: refused) == lowered)
    }

    @Test func oneRefusedOperationCannotBeLowered() {
        #expect(EtcdV3TxnChunks.lowered(128, refused: 1) == nil)
    }

    @Test func aPortsKeysFormOneGroupAndOtherKeysStandAlone() {
        let keys = [
            "/c/web/80/port", "/c/web/80/host", "/c/web/443/host", "/c/web/443/port", "/c/web/53-udp",
            "/skydns/local/web/80",
        ]
        let groups = EtcdV3Store.groups(keys, in: ["/c/web", "/skydns/local/web"])
        #expect(
            groups == [
                ["/c/web/443/host", "/c/web/443/port"], ["/c/web/53-udp"], ["/c/web/80/host", "/c/web/80/port"],
                ["/skydns/local/web/80"],
            ])
    }
}
