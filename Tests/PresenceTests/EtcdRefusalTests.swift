import NIOCore
import NIOHTTP1
import Testing

@testable import Presence

/// Each way etcd refuses a request reads as one message naming the endpoint, the request and what to change.
@Suite("etcd's refusals tell the operator what to change")
struct EtcdRefusalTests {
    static let endpoint = EtcdEndpoint(host: "127.0.0.1", port: 2379)
    static let agent = try! EtcdCredentials(user: "agent", password: "hunter2")

    static func refusal(
        credentials: EtcdCredentials? = agent, needs access: EtcdRefusal.Access = .readWrite,
        on roots: [String] = ["/services", "/hosts/h1"]
    ) -> EtcdRefusal {
        EtcdRefusal(of: "write of web", at: endpoint, credentials: credentials, needs: access, on: roots)
    }

    /// One case of the table: the refusal, etcd's answer, and the code and phrases of the error.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var refusal: EtcdRefusal
        var status: HTTPResponseStatus
        var body: String
        var code: PresenceError.Code
        var phrases: [String]

        var testDescription: String { name }
    }

    static let v2Cases: [Case] = [
        Case(
            name: "401 without credentials", refusal: refusal(credentials: nil), status: .unauthorized,
            body: #"{"errorCode":110,"message":"The request requires user authentication"}"#, code: .etcdRejected,
            phrases: [
                "etcd at http://127.0.0.1:2379 refused the write of web: it requires authentication",
                "give --etcd-user and ETCD_PASSWORD or --etcd-password-file",
            ]),
        Case(
            name: "401 with credentials", refusal: refusal(), status: .unauthorized, body: "",
            code: .etcdAuthenticationFailed,
            phrases: [
                "etcd at http://127.0.0.1:2379 refused the write of web for user 'agent' (401)",
                "check ETCD_PASSWORD or --etcd-password-file",
                "the user's v2 role may read and write /services and /services/*, /hosts/h1 and /hosts/h1/*",
            ]),
        Case(
            name: "401 of a read", refusal: refusal(needs: .read, on: ["/services"]), status: .unauthorized, body: "",
            code: .etcdAuthenticationFailed, phrases: ["the user's v2 role may read /services and /services/*"]),
        Case(
            name: "v2 not enabled", refusal: refusal(), status: .notFound, body: "404 page not found\n",
            code: .etcdRejected,
            phrases: [
                "etcd at http://127.0.0.1:2379 refused the write of web (404): 404 page not found",
                "is etcd started with --enable-v2?",
            ]),
        Case(
            name: "other status", refusal: refusal(), status: .internalServerError,
            body: #"{"errorCode":300,"message":"Raft Internal Error","cause":"Not a file"}"#, code: .etcdRejected,
            phrases: ["refused the write of web (500): {\"errorCode\":300", "Not a file"]),
    ]

    static let v3Cases: [Case] = [
        Case(
            name: "permission denied", refusal: refusal(), status: .forbidden,
            body: #"{"error":"etcdserver: permission denied","code":7}"#, code: .etcdRejected,
            phrases: [
                "etcd at http://127.0.0.1:2379 denied the write of web (permission denied)",
                "the user's role needs read and write on /services/ and /hosts/h1/",
                "etcdctl role grant-permission --prefix=true ROLE readwrite /services/; "
                    + "etcdctl role grant-permission --prefix=true ROLE readwrite /hosts/h1/",
            ]),
        Case(
            name: "permission denied to read", refusal: refusal(needs: .read, on: ["/services"]), status: .forbidden,
            body: #"{"error":"etcdserver: permission denied","code":7}"#, code: .etcdRejected,
            phrases: [
                "the user's role needs read on /services/: etcdctl role grant-permission --prefix=true ROLE read "
                    + "/services/"
            ]),
        Case(
            name: "auth required", refusal: refusal(credentials: nil), status: .badRequest,
            body: #"{"error":"etcdserver: user name is empty","code":3}"#, code: .etcdRejected,
            phrases: [
                "etcd at http://127.0.0.1:2379 refused the write of web: it requires authentication",
                "give --etcd-user and ETCD_PASSWORD or --etcd-password-file",
            ]),
        Case(
            name: "wrong password", refusal: refusal(on: []), status: .badRequest,
            body: #"{"error":"etcdserver: authentication failed, invalid user ID or password","code":3}"#,
            code: .etcdAuthenticationFailed,
            phrases: [
                "etcd at http://127.0.0.1:2379 refused the password of user 'agent'",
                "check ETCD_PASSWORD or --etcd-password-file", "etcdctl user get agent",
            ]),
        Case(
            name: "other status", refusal: refusal(), status: .badRequest,
            body: #"{"error":"etcdserver: request is too large","code":3}"#, code: .etcdRejected,
            phrases: ["etcd at http://127.0.0.1:2379 refused the write of web (400): etcdserver: request is too large"]),
        Case(
            name: "not JSON", refusal: refusal(), status: .badGateway, body: "upstream gone", code: .etcdRejected,
            phrases: ["refused the write of web (502): upstream gone"]),
        Case(
            name: "a stream's error, with status 200", refusal: refusal(), status: .ok,
            body: #"{"error":{"grpc_code":14,"message":"etcdserver: no leader"}}"#, code: .etcdRejected,
            phrases: ["etcd at http://127.0.0.1:2379 refused the write of web: etcdserver: no leader"]),
    ]

    @Test(arguments: v2Cases)
    func overTheV2API(_ example: Case) throws {
        let error = try #require(example.refusal.v2(status: example.status, body: example.body))
        #expect(error.code == example.code)
        for phrase in example.phrases { #expect(error.message.contains(phrase), "\(error.message)") }
        #expect(!error.message.contains("hunter2"))
    }

    @Test func anAcceptedV2RequestIsNoRefusal() {
        #expect(Self.refusal().v2(status: .created, body: "{}") == nil)
    }

    @Test(arguments: v3Cases)
    func overTheV3Gateway(_ example: Case) {
        let exchange = HTTPExchange(status: example.status, headers: [:], body: .init(string: example.body))
        let error = example.refusal.v3(exchange)
        #expect(error.code == example.code)
        for phrase in example.phrases { #expect(error.message.contains(phrase), "\(error.message)") }
        #expect(!error.message.contains("hunter2"))
    }
}
