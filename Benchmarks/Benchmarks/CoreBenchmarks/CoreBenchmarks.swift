import Benchmark
import Foundation
import Presence

/// The pure core on the hot paths: what a container's ports mean as keys, the difference for 500 containers,
/// and the event parser on a large stream.
let benchmarks: @Sendable () -> Void = { registerBenchmarks() }

func registerBenchmarks() {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(2))

    let layout = try! KeyLayout(prefix: "/containers")
    let selection = try! ContainerSelection(all: true)
    func container(_ index: Int, ports: Int = 3) -> ContainerSnapshot {
        ContainerSnapshot(
            name: "web-\(index)", id: "id-\(index)", isRunning: true,
            bindings: (0..<ports).flatMap { port in
                [
                    PortBinding(containerPort: 80 + port, hostIP: "0.0.0.0", hostPort: 30000 + index * 10 + port),
                    PortBinding(containerPort: 80 + port, hostIP: "::", hostPort: 30000 + index * 10 + port),
                ]
            })
    }

    Benchmark("keys from one container (3 ports, IPv4 and IPv6)") { benchmark in
        let snapshot = container(1)
        for _ in benchmark.scaledIterations {
            guard case .register(let name, let ports, _) = RegistrationDecision.decide(
                snapshot, selection: selection, hostIP: "172.17.0.1")
            else { fatalError() }
            blackHole(layout.keys(container: name, id: "1", ports: ports))
        }
    }

    let hosts = HostAddresses(ipv4: "192.0.2.1", ipv6: "2001:db8::1")
    let before = (0..<500).map {
        layout.keys(container: "web-\($0)", id: "\($0)", ports: PublishedPort.from(container($0).bindings, hosts: hosts).ports)
    }
    let after = (0..<500).map { index in
        layout.keys(
            container: "web-\(index)", id: "\(index)",
            ports: PublishedPort.from(container(index, ports: index % 10 == 0 ? 2 : 3).bindings, hosts: hosts).ports)
    }
    Benchmark("diff for 500 containers (one in ten changed)") { benchmark in
        for _ in benchmark.scaledIterations {
            for index in 0..<500 {
                blackHole(RegistrationPlan(from: before[index], to: after[index]))
            }
        }
    }

    let event = #"{"status":"start","id":"abc","from":"img","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"image":"img","name":"web"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}"#
    let stream = Array(String(repeating: event + "\n", count: 10_000).utf8)
    Benchmark("event parser on a 10,000-event stream in 4 KiB chunks") { benchmark in
        for _ in benchmark.scaledIterations {
            var splitter = JSONObjectSplitter()
            let decoder = JSONDecoder()
            var count = 0
            var index = 0
            while index < stream.count {
                let end = min(index + 4096, stream.count)
                count += DockerEventDecoding.messages(from: splitter.feed(stream[index..<end]), decoder: decoder).count
                index = end
            }
            precondition(count == 10_000)
        }
    }
}
