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

    @Test func hostnameTemplates() throws {
        let layout = try KeyLayout(template: "/hosts/{hostname}/containers", hostname: "node-1")
        #expect(layout.prefix == "/hosts/node-1/containers")
        #expect(layout.isHostScoped)
        #expect(try !KeyLayout(template: "/containers", hostname: "node-1").isHostScoped)
    }

    @Test(arguments: [
        ("/hosts/{host}", "n"), ("/hosts/{hostname", "n"), ("/hosts/{hostname}", "a/b"), ("/hosts/{hostname}", ".."),
    ])
    func badTemplatesAreRefused(template: String, hostname: String) {
        #expect(throws: ConfigurationError.self) { try KeyLayout(template: template, hostname: hostname) }
    }

    @Test func containerNamesOfKeys() throws {
        let layout = try KeyLayout(prefix: "/containers")
        #expect(layout.containerName(ofKey: "/containers/web/80/port") == "web")
        #expect(layout.containerName(ofKey: "/containersX/web/80/port") == nil)
        #expect(layout.containerName(ofKey: "/other/web") == nil)
    }
}
