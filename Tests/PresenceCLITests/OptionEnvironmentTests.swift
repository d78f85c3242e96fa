import Presence
import Testing

@testable import PresenceCLI

@Suite("PRESENCE_* variables stand in for options")
struct OptionEnvironmentTests {
    /// The shape of `--experimental-dump-help`: a root command with options and a subcommand.
    static let description = try! CommandLineDescription(
        json: """
            {"serializationVersion": 0, "command": {"commandName": "presence",
              "arguments": [
                {"kind": "option", "isOptional": true, "isRepeating": true, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "long", "name": "container"}]},
                {"kind": "option", "isOptional": true, "isRepeating": false, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "long", "name": "etcd-endpoints"}]},
                {"kind": "option", "isOptional": true, "isRepeating": false, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "long", "name": "ttl"}, {"kind": "short", "name": "t"}]},
                {"kind": "flag", "isOptional": true, "isRepeating": false, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "long", "name": "all"}]},
                {"kind": "flag", "isOptional": true, "isRepeating": false, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "long", "name": "version"}]},
                {"kind": "flag", "isOptional": true, "isRepeating": false, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "short", "name": "h"}, {"kind": "long", "name": "help"}]}
              ],
              "subcommands": [{"commandName": "list", "arguments": [
                {"kind": "option", "isOptional": true, "isRepeating": false, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "long", "name": "output"}]},
                {"kind": "option", "isOptional": true, "isRepeating": false, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "long", "name": "etcd-endpoints"}]},
                {"kind": "positional", "isOptional": true, "isRepeating": true, "shouldDisplay": true,
                 "parsingStrategy": "default", "names": [{"kind": "long", "name": "names"}]}
              ]}]}}
            """)

    func resolve(_ arguments: [String], _ environment: [String: String]) throws(ConfigurationError) -> OptionEnvironment
    {
        try OptionEnvironment(arguments: arguments, description: Self.description) { environment[$0] }
    }

    /// Without a `PRESENCE_*` variable the command line is taken as it is, and the options' description is
    /// not built.
    @Test func onlyAPresenceVariableAsksForTheDescription() {
        #expect(!OptionEnvironment.anyVariableSet(in: ["PATH", "HOME", "DOCKER_HOST", "PRESENCE_", "XPRESENCE_TTL"]))
        #expect(OptionEnvironment.anyVariableSet(in: ["PATH", "PRESENCE_TTL"]))
    }

    @Test func variableNames() {
        #expect(OptionEnvironment.variable(forOption: "etcd-endpoints") == "PRESENCE_ETCD_ENDPOINTS")
        #expect(OptionEnvironment.variable(forOption: "ttl") == "PRESENCE_TTL")
    }

    @Test func aVariableAddsItsMissingOption() throws {
        let result = try resolve(["--all"], ["PRESENCE_TTL": "9", "PRESENCE_ETCD_ENDPOINTS": "http://a:1,http://b:2"])
        #expect(result.arguments == ["--all", "--etcd-endpoints=http://a:1,http://b:2", "--ttl=9"])
    }

    @Test func theCommandLineWins() throws {
        for given in [["--ttl", "3"], ["--ttl=3"], ["-t", "3"]] {
            #expect(try resolve(given, ["PRESENCE_TTL": "9"]).arguments == given)
        }
    }

    @Test func repeatableOptionsTakeCommaSeparatedValues() throws {
        let result = try resolve([], ["PRESENCE_CONTAINER": "web, db,,cache "])
        #expect(result.arguments == ["--container=web", "--container=db", "--container=cache"])
    }

    @Test(arguments: [("true", true), ("1", true), ("TRUE", true), ("false", false), ("0", false)])
    func flags(value: String, set: Bool) throws {
        #expect(try resolve([], ["PRESENCE_ALL": value]).arguments == (set ? ["--all"] : []))
    }

    @Test func aFlagVariableThatIsNeitherTrueNorFalseIsRefusedByName() {
        #expect(throws: ConfigurationError("PRESENCE_ALL must be true, false, 1 or 0, not 'maybe'")) {
            try resolve([], ["PRESENCE_ALL": "maybe"])
        }
    }

    @Test func emptyVariablesAndBuiltInFlagsAreIgnored() throws {
        let environment = ["PRESENCE_TTL": "", "PRESENCE_HELP": "1", "PRESENCE_VERSION": "1"]
        #expect(try resolve(["--all"], environment).arguments == ["--all"])
    }

    @Test func aSubcommandTakesItsOwnOptionsAndItsParentsBeforeItsName() throws {
        let environment = ["PRESENCE_OUTPUT": "json", "PRESENCE_TTL": "9", "PRESENCE_ETCD_ENDPOINTS": "http://a:1"]
        #expect(
            try resolve(["--all", "list", "web"], environment).arguments == [
                "--all", "--etcd-endpoints=http://a:1", "--ttl=9", "list", "web", "--output=json",
                "--etcd-endpoints=http://a:1",
            ])
        // Each command's own part of the command line decides whether its option is given.
        #expect(
            try resolve(["--ttl", "3", "list", "--etcd-endpoints", "http://b:2"], environment).arguments == [
                "--ttl", "3", "--etcd-endpoints=http://a:1", "list", "--etcd-endpoints", "http://b:2",
                "--output=json",
            ])
        // An option's value that happens to be a subcommand's name is a value.
        #expect(
            try resolve(["--container", "list"], environment).arguments == [
                "--container", "list", "--etcd-endpoints=http://a:1", "--ttl=9",
            ])
    }

    @Test func optionsGoBeforeATerminator() throws {
        #expect(
            try resolve(["list", "--", "-x"], ["PRESENCE_OUTPUT": "json", "PRESENCE_ALL": "1"]).arguments == [
                "--all", "list", "--output=json", "--", "-x",
            ])
    }

    @Test func helpAndVersionTakeNothing() throws {
        for arguments in [["--help"], ["-h"], ["--version"], ["help"], ["list", "--help"]] {
            #expect(try resolve(arguments, ["PRESENCE_TTL": "x", "PRESENCE_ALL": "maybe"]).arguments == arguments)
        }
    }

    @Test func refusalsNameTheVariable() throws {
        let result = try resolve([], ["PRESENCE_TTL": "abc", "PRESENCE_ETCD_ENDPOINTS": "localhost:2379"])
        #expect(result.variables(blamedIn: "The value 'abc' is invalid for '--ttl <ttl>'") == ["PRESENCE_TTL"])
        #expect(result.variables(blamedIn: "'localhost:2379' is not a URL") == ["PRESENCE_ETCD_ENDPOINTS"])
        #expect(result.variables(blamedIn: "--ttl-max is wrong") == [])
        #expect(result.variables(blamedIn: "--container needs a value") == [])
    }
}
