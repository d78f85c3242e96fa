extension Report {
    /// How to run the benchmark and how each figure is taken.
    var howToRun: String {
        let t = results.sigterm
        return [
            "## How to run", "",
            "```sh",
            "scripts/benchmark.sh                                        # own etcd + dockerd (root, no other dockerd)",
            "PRESENCE_TEST_ENV=/tmp/presence-test.XXXX/env scripts/benchmark.sh   # reuse running test servers",
            "```", "",
            "It builds the agent and the benchmark (`presence-benchmark`, Benchmarks/EndToEnd, over the test "
                + "support library that starts the integration tests' servers) with `swift build -c release`, then "
                + "the benchmark runs every measurement and writes this file. Without `PRESENCE_TEST_ENV` it starts "
                + "etcd and dockerd with `scripts/test-servers.sh start` (which refuses when another dockerd runs) and "
                + "stops them at the end; with it, it reuses that dockerd. Either way the measurements go to a private "
                + "etcd of its own (free ports in 20000-32000, data in a temporary directory), so nobody else's "
                + "requests count. Every container it makes carries the label `\(DockerEngine.runLabel)=<run id>` "
                + "and is removed at the end, as is every process it started, also on Ctrl-C. "
                + "`PRESENCE_BENCH_SCALE=quick` runs smaller samples; `PRESENCE_BENCH_OUTPUT=path` writes elsewhere; "
                + "`PRESENCE_BENCH_BUDGET` (seconds, default 900) bounds the measurements.",
            "", "How each figure is taken:", "",
            "- Latencies: from the `timeNano` of Docker's own event (`start`; `die` for stop and kill) to the arrival "
                + "of the last PUT (or DELETE) of that container on an etcd watch of the agent's prefix (the "
                + "gateway's streaming `POST /v3/watch`), both on this machine's clock. Containers are started, "
                + "stopped and killed through the Engine API (what `docker start/stop/kill` send), one at a time, two "
                + "containers with `-p 80 -p 81` and `--init` taking turns; the agent runs with "
                + "`--interval 300 --ttl 600`, so only events can explain what the watch sees.",
            "- \(results.bulk.n) at once: created first, then started by 10 parallel `docker start` CLI workers; "
                + "from the first start event to the last PUT. The bulk containers publish `127.0.0.1::80` and "
                + "`127.0.0.1::81` (one docker-proxy per port instead of two).",
            "- Agent start: from just before the exec of a fresh agent to the last PUT of the running containers.",
            "- SIGTERM: \(t.containers) containers publishing \(t.ports / max(1, t.containers)) ports each on "
                + "127.0.0.1; from the signal to the last DELETE on the watch and to the process's exit (seen in "
                + "/proc/PID/stat).",
            "- Requests: the private etcd's `grpc_server_started_total`, summed over methods. The v3 JSON gateway "
                + "turns every HTTP request into one gRPC call on etcd's own server, so this counts the agent's "
                + "requests (a gateway keep-alive is one `LeaseKeepAlive` stream); the benchmark's watch is a single "
                + "stream opened before. Windows cover whole intervals, placed half an interval away from the "
                + "keep-alive ticks, with nothing of this run changing in Docker. That of an agent with 0 "
                + "containers begins after its first keep-alive, whose pass ends the start (the last release of "
                + "the start's pages); that of CPU, with 100, after the event stream's first reopening (a minute "
                + "of silence), the last of a fresh agent's one-time work: it runs code that the start did not, "
                + "which the first release had let go from the page cache, and reads it back once (by hand, "
                + "about 10 ms of CPU).",
            "- RSS: `VmRSS` of `/proc/PID/status`; CPU: `utime + stime` of `/proc/PID/stat` over the window, as a "
                + "share of one core.",
            "- Floor: median of plain `POST /v3/kv/put` requests to the private etcd and of "
                + "`GET /containers/ID/json` over the unix socket, each on a kept-alive connection.",
        ].joined(separator: "\n")
    }
}
