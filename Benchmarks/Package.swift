// swift-tools-version: 6.1
// Micro-benchmarks of the pure core, kept out of the main package so its build and tests stay fast.
// Run: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "PresenceBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "presence", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "Presence", package: "presence"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ]
)
