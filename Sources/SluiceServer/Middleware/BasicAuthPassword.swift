import struct Foundation.Data

/// The password of an `Authorization: Basic …` header (RFC 7617: base64 of `user:password`; the
/// scheme in any case). Browsers send it for a page and its same-origin requests once asked.
enum BasicAuthPassword {
    static func parse(_ header: String) -> [UInt8]? {
        guard header.utf8.count > 6, header.utf8.prefix(6).lazy.map({ $0 | 0x20 }).elementsEqual("basic ".utf8),
            let decoded = Data(base64Encoded: String(Substring(header).dropFirst(6)))
        else { return nil }
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return Array(decoded[decoded.index(after: colon)...])
    }
}
