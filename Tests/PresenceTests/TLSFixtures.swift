import Foundation

/// PEM files for the TLS option tests, made once with openssl: a CA valid for a century, a client certificate it
/// signed valid until 2125, and one that expired in 2020. Checked in, so the unit tests need no tool and no clock.
enum TLSFixtures {
    static let ca = """
        -----BEGIN CERTIFICATE-----
        MIIBkzCCATmgAwIBAgIUEYy+obLZJ7qqyzQRNbYxMQO2m5UwCgYIKoZIzj0EAwIw
        HjEcMBoGA1UEAwwTcHJlc2VuY2UgZml4dHVyZSBDQTAgFw0yNjExMjUxMzMyMDha
        GA8yMTI2MTEwMTEzMzIwOFowHjEcMBoGA1UEAwwTcHJlc2VuY2UgZml4dHVyZSBD
        QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFP59pWW5bnThf4MnLdPratxXNpP
        zlxVFfRgoYlavoePgy9whfMTJqlAd6uc27Sxk5r4oCPsgBHWsBDx/MsgwrGjUzBR
        MB0GA1UdDgQWBBQn5eKCKPps4oaelpMniWfbqlRjhzAfBgNVHSMEGDAWgBQn5eKC
        KPps4oaelpMniWfbqlRjhzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
        MEUCIQCsD9fn1KIAYp0xzo8haqMieOH1En1CNFg787P0OzU2KQIgWWUqpxBe/kVd
        Z2kHIOAvPSCu9noYcXfF+8WQVMeG7I0=
        -----END CERTIFICATE-----
        """

    static let client = """
        -----BEGIN CERTIFICATE-----
        MIIBdzCCARygAwIBAgIBATAKBggqhkjOPQQDAjAeMRwwGgYDVQQDDBNwcmVzZW5j
        ZSBmaXh0dXJlIENBMCAXDTI1MDEwMTAwMDAwMFoYDzIxMjUwMTAxMDAwMDAwWjAQ
        MQ4wDAYDVQQDDAVhZ2VudDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHDTUYCs
        fJj6lFTdnxQYtA0Ad7/7uAQvWPm5S8CiZGnSdnFc1/7qA/K4sc2+n39vY0v5JJUi
        uJQGq+iILDS+yVWjVzBVMBMGA1UdJQQMMAoGCCsGAQUFBwMCMB0GA1UdDgQWBBSU
        vUS/1q5FHrR43qLmiQ6fIEjsgjAfBgNVHSMEGDAWgBQn5eKCKPps4oaelpMniWfb
        qlRjhzAKBggqhkjOPQQDAgNJADBGAiEAjtR9Wxig2J+35RZ/TtehiRwtUysfJ0pa
        tWC6/+BW7g0CIQCxZCgypgIpLkgnn2g1Ngef4LSOBzSx2Q2kkhkzHKAoFQ==
        -----END CERTIFICATE-----
        """

    static let clientKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUv6yjf3BEyODL+jQ
        HaFptEMesJ3wFYUFzD4I+nseXQyhRANCAARw01GArHyY+pRU3Z8UGLQNAHe/+7gE
        L1j5uUvAomRp0nZxXNf+6gPyuLHNvp9/b2NL+SSVIriUBqvoiCw0vslV
        -----END PRIVATE KEY-----
        """

    static let expiredClient = """
        -----BEGIN CERTIFICATE-----
        MIIBdTCCARqgAwIBAgIBAjAKBggqhkjOPQQDAjAeMRwwGgYDVQQDDBNwcmVzZW5j
        ZSBmaXh0dXJlIENBMB4XDTIwMDEwMTAwMDAwMFoXDTIwMDEwMjAwMDAwMFowEDEO
        MAwGA1UEAwwFYWdlbnQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQmlGXS9CEh
        iUFwPC6qRoGVhscrowr9W+p9hgHOtXbYXbLDe7TF1u1Hh9JhcOL34crKuPpN1Gkv
        YVg2Y/gemoE3o1cwVTATBgNVHSUEDDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQUznMH
        b41pARg09cV3NibBGmKRijswHwYDVR0jBBgwFoAUJ+Xigij6bOKGnpaTJ4ln26pU
        Y4cwCgYIKoZIzj0EAwIDSQAwRgIhALEgoW+m2dY6Yw1kfSJioPCXcUFNUwxgU7Qd
        X2EHxU/+AiEA/q1BJVu+mAPdj6M8NNpgGuU1SODNszqPequg+hvbXEA=
        -----END CERTIFICATE-----
        """

    /// Not the key of `client`.
    static let expiredClientKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQguIVXfUcFctaqdmPY
        K3AvzJADXFzrV1IuUl1S02osuYChRANCAAQmlGXS9CEhiUFwPC6qRoGVhscrowr9
        W+p9hgHOtXbYXbLDe7TF1u1Hh9JhcOL34crKuPpN1GkvYVg2Y/gemoE3
        -----END PRIVATE KEY-----
        """

    /// A directory holding the fixtures as files (`ca.pem`, `client.pem`, ...), removed with the value.
    final class Directory {
        let path = NSTemporaryDirectory() + "presence-fixtures-\(UUID().uuidString.prefix(8))"

        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (name, text) in [
                ("ca.pem", ca), ("client.pem", client), ("client-key.pem", clientKey),
                ("expired.pem", expiredClient), ("expired-key.pem", expiredClientKey),
            ] {
                try write(name, text + "\n")
            }
        }

        /// Writes `text` to `name` in the directory and returns its path.
        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
            return path + "/" + name
        }

        subscript(name: String) -> String { path + "/" + name }

        deinit {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
