import AsyncHTTPClient
import NIOHTTP1
import Testing

@testable import Presence

@Suite("HTTP dates and request summaries")
struct HTTPDateTests {
    @Test(
        arguments: [
            ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
            ("Tue, 29 Feb 2000 23:59:59 GMT", 951_868_799),
            ("Wed, 01 Mar 2100 12:00:00 GMT", 4_107_585_600),
            ("Sat, 15 Nov 2025 10:20:30 GMT", 1_763_202_030),
        ] as [(String, Int64)])
    func imfFixdatesAreReadAsSecondsSince1970(text: String, seconds: Int64) {
        #expect(HTTPDate.secondsSince1970(text) == seconds)
    }

    @Test(arguments: [
        "", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 CET",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49 GMT",
    ])
    func otherTextIsNoDate(text: String) {
        #expect(HTTPDate.secondsSince1970(text) == nil)
    }

    /// Where Docker's event stream resumes when it fell silent before its first event.
    @Test func dockersPresentIsASecondBeforeTheDateItAnswered() {
        #expect(DockerClient.resumeToken(aSecondBefore: "Sun, 06 Nov 1994 08:49:37 GMT") == "784111776")
        #expect(DockerClient.resumeToken(aSecondBefore: nil) == nil)
        #expect(DockerClient.resumeToken(aSecondBefore: "yesterday") == nil)
    }

    @Test func aUnixSocketRequestIsSummarisedWithItsSocketPath() {
        var request = HTTPClientRequest(
            url: "http+unix://\(percentEncoded("/run/my docker.sock"))/v1.47/containers/json")
        request.method = .GET
        #expect(request.summary == "GET /v1.47/containers/json on unix:///run/my docker.sock")
        request = HTTPClientRequest(url: "http://127.0.0.1:2379/v3/kv/range")
        request.method = .POST
        #expect(request.summary == "POST http://127.0.0.1:2379/v3/kv/range")
    }

    @Test(arguments: ["/var/run/docker.sock", "a b%c/ü", "%", "%4", "100%"])
    func percentDecodingUndoesPercentEncoding(text: String) {
        #expect(percentDecoded(percentEncoded(text)) == text)
    }
}
