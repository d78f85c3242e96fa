import Foundation
import Testing

@testable import Presence

/// A full host's listing is decoded in runs of whole entries side by side: the runs must be cut between
/// entries only, whatever the strings and nesting inside them, and together read as the listing does whole.
@Suite("Docker's listing, decoded in parts")
struct ContainerListingTests {
    /// An entry whose strings hold every character that could be taken for structure.
    static func entry(_ index: Int) -> String {
        let tricky = #"a,b]c}d{e[f\"g\\h, ]"#
        return """
            {"Id":"\(String(format: "%064d", index))","Names":["/c\(index)"],"Command":"\(tricky)",
            "Labels":{"k\(index)":"\(tricky)","n":"[{,}]"},"State":"running","Status":"Up 2 seconds",
            "Ports":[{"IP":"127.0.0.1","PrivatePort":80,"PublicPort":\(20000 + index),"Type":"tcp"}],
            "HostConfig":{"NetworkMode":"bridge"},"Mounts":[[],[{}]],
            "NetworkSettings":{"Networks":{"bridge":{"IPAddress":"192.0.2.\(index % 250 + 2)","Gateway":"192.0.2.1"}}}}
            """
    }

    static func listing(_ count: Int, separator: String = ",") -> [UInt8] {
        Array(("[" + (0..<count).map(entry).joined(separator: separator) + "]").utf8)
    }

    @Test(arguments: [0, 1, 2, 3, 7, 200])
    func partsReadAsTheWhole(count: Int) async throws {
        let bytes = Self.listing(count, separator: count % 2 == 0 ? "," : " ,\n ")
        let whole = try JSONDecoder().decode([ContainerSummary].self, from: Data(bytes))
        #expect(whole.count == count)
        #expect(whole.allSatisfy { $0.snapshot != nil }, "every entry tells all, so the comparison covers ports")
        for cores in 1...5 {
            let parts = try await ContainerListing.decode(bytes, cores: cores, splitThreshold: 0)
            #expect(parts == whole, "\(cores) cores")
        }
    }

    @Test func runsAreWholeEntriesOfNearlyEqualSize() throws {
        let bytes = Self.listing(200)
        let runs = try #require(ContainerListing.entryRuns(of: bytes, parts: 4))
        #expect(runs.count == 4)
        for run in runs {
            let text = String(decoding: bytes[run], as: UTF8.self)
            #expect(text.hasPrefix("{\"Id\"") && text.hasSuffix("}}}}"), "\(text.prefix(40))…\(text.suffix(40))")
            #expect(abs(run.count - bytes.count / 4) < bytes.count / 20, "\(run.count) of \(bytes.count)")
        }
    }

    @Test(arguments: ["{\"a\":[1,2]}", "[1,2]]", "[1,2] x", "[\"a,b", "[{\"a\":1},{\"b\":2}", "x[1,2]", ""])
    func whatIsNotOneArrayIsNotCut(text: String) {
        #expect(ContainerListing.entryRuns(of: Array(text.utf8), parts: 2) == nil)
    }

    /// The array closed by a brace, or two entries without their comma: the whole decode fails, and so must
    /// the decode in parts, whose runs each are well-formed.
    @Test(arguments: [("]", "}"), ("},{", "}{")])
    func aBrokenListingFailsAsTheWholeDecodeDoes(replacing: String, with broken: String) async throws {
        var text = String(decoding: Self.listing(200), as: UTF8.self)
        let range = try #require(text.range(of: replacing, options: replacing == "]" ? .backwards : []))
        text.replaceSubrange(range, with: broken)
        let bytes = Array(text.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ContainerSummary].self, from: Data(bytes)) }
        await #expect(throws: DecodingError.self) {
            try await ContainerListing.decode(bytes, cores: 4, splitThreshold: 0)
        }
    }
}
