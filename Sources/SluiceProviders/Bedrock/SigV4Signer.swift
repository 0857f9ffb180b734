import Crypto
import Foundation

/// Signs HTTP requests with AWS Signature Version 4 (header form, `AWS4-HMAC-SHA256`).
///
/// The canonical request is built from the method, the path as sent with each segment
/// URI-encoded once more (AWS encodes paths twice for every service but S3: a Bedrock model id's
/// `:` travels as `%3A` and is signed as `%253A`), the sorted canonical query, every header
/// handed in (lowercased, trimmed, sorted; `host` and `x-amz-date` are always among them, and
/// `x-amz-security-token` when the credentials carry a session token) and the hex SHA-256 of
/// the payload.
public struct SigV4Signer: Sendable {
    /// An access key pair, with the session token of temporary credentials.
    public struct Credentials: Sendable {
        public let accessKeyID: String
        public let secretAccessKey: String
        public let sessionToken: String?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    /// What one signature covers and produces.
    public struct Signature: Sendable {
        /// The headers to send with the request besides `Authorization`:
        /// `x-amz-date` and, for temporary credentials, `x-amz-security-token`.
        public let addedHeaders: [(name: String, value: String)]
        public let canonicalRequest: String
        public let stringToSign: String
        public let authorization: String
    }

    public let credentials: Credentials
    public let region: String
    public let service: String

    public init(credentials: Credentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Signs a request at `date`.
    /// - Parameters:
    ///   - path: the path as sent, segments already encoded (``encodedPath(_:)``), such as
    ///     `/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse`.
    ///   - query: decoded query parameters.
    ///   - headers: the headers to sign besides `host`, `x-amz-date` and `x-amz-security-token`.
    public func sign(
        method: String,
        host: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        payload: some Collection<UInt8>,
        date: Date
    ) -> Signature {
        let amzDate = Self.amzDate(date)
        let day = String(amzDate.prefix(8))
        var added: [(name: String, value: String)] = [("x-amz-date", amzDate)]
        if let token = self.credentials.sessionToken { added.append(("x-amz-security-token", token)) }

        var canonicalHeaders: [String: String] = ["host": host]
        for (name, value) in headers + added {
            canonicalHeaders[name.lowercased()] = Self.trimmedHeaderValue(value)
        }
        let sortedNames = canonicalHeaders.keys.sorted()
        let signedHeaders = sortedNames.joined(separator: ";")
        let canonicalRequest = [
            method,
            Self.canonicalPath(path),
            Self.canonicalQuery(query),
            sortedNames.map { "\($0):\(canonicalHeaders[$0]!)\n" }.joined(),
            signedHeaders,
            Self.hexSHA256(payload),
        ].joined(separator: "\n")

        let scope = "\(day)/\(self.region)/\(self.service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hexSHA256(Array(canonicalRequest.utf8))]
            .joined(separator: "\n")
        let signature = HMAC<SHA256>.authenticationCode(
            for: Array(stringToSign.utf8), using: self.signingKey(day: day))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(self.credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(Self.hex(signature))"
        return Signature(
            addedHeaders: added, canonicalRequest: canonicalRequest,
            stringToSign: stringToSign, authorization: authorization)
    }

    /// HMAC("AWS4" + secret, day) → region → service → "aws4_request".
    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(self.credentials.secretAccessKey)".utf8))
        for part in [day, self.region, self.service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }

    /// `20150830T123600Z`: the ISO 8601 basic form, in UTC.
    static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(parts.year ?? 1970)\(two(parts.month))\(two(parts.day))T"
            + "\(two(parts.hour))\(two(parts.minute))\(two(parts.second))Z"
    }

    /// The path to send for a decoded one: each segment URI-encoded, so `:` becomes `%3A`.
    public static func encodedPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { uriEncode(String($0)) }
            .joined(separator: "/")
    }

    /// The path as sent, each segment encoded once more.
    static func canonicalPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { uriEncode(String($0)) }
            .joined(separator: "/")
    }

    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (uriEncode($0.name), uriEncode($0.value)) }
        let sorted = encoded.sorted { left, right in left.name == right.name ? left.value < right.value : left.name < right.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// RFC 3986 encoding as SigV4 wants it: unreserved characters kept, every other byte `%XX`.
    static func uriEncode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:  // A-Z a-z 0-9 - . _ ~
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + hexDigits(byte, uppercase: true)
            }
        }
        return encoded
    }

    /// Leading and trailing spaces dropped, inner runs of spaces collapsed to one.
    static func trimmedHeaderValue(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    static func hexSHA256(_ bytes: some Collection<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { hexDigits($0, uppercase: false) }.joined()
    }

    private static func hexDigits(_ byte: UInt8, uppercase: Bool) -> String {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}
