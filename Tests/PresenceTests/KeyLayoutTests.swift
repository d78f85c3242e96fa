import Testing

@testable import Presence

@Suite("Key layout and prefix validation")
struct KeyLayoutTests {
    @Test(arguments: [
        ("/containers", "/containers"),
        ("/containers/", "/containers"),
        ("/a/b/c", "/a/b/c"),
        ("/", ""),
    ])
    func validPrefixes(text: String, expected: String) throws {
        #expect(try KeyLayout(prefix: text).prefix == expected)
    }

    @Test(arguments: ["containers", "", "/a//b", "/a/../b", "/..", "/a/./b", "/a/\u{7}b", "relative/path"])
    func invalidPrefixesAreRefused(text: String) {
        #expect(throws: ConfigurationError.self) { try KeyLayout(prefix: text) }
    }

    @Test func theRootPrefixDoesNotDoubleTheSlash() throws {
        let layout = try KeyLayout(prefix: "/")
        #expect(layout.directory(of: "web") == "/web")
    }

    @Test(arguments: ["web", "my_container.1", "a-b"])
    func validSegments(segment: String) {
        #expect(KeyLayout.isValidSegment(segment))
    }

    @Test(arguments: ["", ".", "..", "a/b", "a\nb", "tab\there"])
    func invalidSegments(segment: String) {
        #expect(!KeyLayout.isValidSegment(segment))
    }
}
