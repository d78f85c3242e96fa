/// etcd no longer has the history a watch asked for (compacted, or v2's 1000 events are past): read again.
struct WatchHistoryLost: Error {}
