import Foundation
import Testing

@testable import Presence

/// etcd's gateway reports errors as `{"error": "...", "code": N}`, and, from a streaming endpoint such as the
/// lease keep-alive, as `{"error": {"grpc_code": N, "message": "..."}}` with status 200.
@Suite("etcd's error answers are read in both shapes")
struct EtcdV3ErrorTests {
    @Test(arguments: [
        (#"{"error":"etcdserver: invalid auth token","message":"etcdserver: invalid auth token","code":16}"#, 16),
        (#"{"error":{"grpc_code":16,"http_code":401,"message":"etcdserver: invalid auth token"}}"#, 16),
    ])
    func anInvalidTokenAsksForANewOne(json: String, code: Int) throws {
        let failure = try JSONDecoder().decode(EtcdV3.ErrorResponse.self, from: Data(json.utf8))
        #expect(failure.text == "etcdserver: invalid auth token")
        #expect(failure.code == code)
        #expect(EtcdV3.needsNewToken(failure))
        #expect(!EtcdV3.isPermissionDenied(failure))
    }

    @Test(arguments: [
        ("etcdserver: revision of auth store is old", true),
        ("etcdserver: user name is empty", true),
        ("etcdserver: permission denied", false),
        ("etcdserver: authentication failed, invalid user ID or password", false),
        ("etcdserver: requested lease not found", false),
    ])
    func whichErrorsAskForANewToken(text: String, needsNewToken: Bool) {
        let failure = EtcdV3.ErrorResponse(error: text)
        #expect(EtcdV3.needsNewToken(failure) == needsNewToken)
    }

    @Test func aSuccessfulAnswerIsNoError() throws {
        let json = #"{"result":{"ID":"7587","TTL":"60"}}"#
        let failure = try JSONDecoder().decode(EtcdV3.ErrorResponse.self, from: Data(json.utf8))
        #expect(failure.text.isEmpty)
    }
}
