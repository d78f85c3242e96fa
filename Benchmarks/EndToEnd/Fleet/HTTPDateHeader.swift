#if canImport(Glibc)
    import Glibc
#endif

/// The `Date` header of dockerd's answers (RFC 7231's IMF-fixdate), which the agent reads from `/_ping` to start
/// its event stream on Docker's clock. strftime in the C locale: DateFormatter is not safe to share between
/// NIO's threads.
enum HTTPDateHeader {
    static func now() -> String {
        var seconds = time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
