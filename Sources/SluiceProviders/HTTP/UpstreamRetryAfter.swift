import NIOHTTP1
import SluiceCore

/// An upstream's `Retry-After`, as the gateway passes it on to the client. RFC 9110 allows
/// delay-seconds (a whole number) or an HTTP-date; upstreams also send fractions, negative
/// numbers and numbers past any integer type. Seconds are rounded up and kept within
/// `0...maximumSeconds`; a date is passed on as sent; anything else is dropped.
public enum UpstreamRetryAfter {
    /// A wait longer than a day is an upstream's error; clients are told a day.
    public static let maximumSeconds = 86_400

    /// The `Retry-After` of `headers`, normalised; nil when it has none the client could use.
    public static func value(in headers: HTTPHeaders) -> String? {
        headers.first(name: "retry-after").flatMap(Self.normalized)
    }

    /// `text` as delay-seconds within range, or an HTTP-date; nil when it is neither.
    public static func normalized(_ text: String) -> String? {
        let text = String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }), let seconds = Double(text) {
            guard seconds >= 0 else { return nil }
            return String(min(Int(saturating: seconds.rounded(.up)), Self.maximumSeconds))
        }
        // IMF-fixdate, e.g. `Wed, 21 Oct 2015 07:28:00 GMT`.
        let isDate = text.count <= 40 && text.hasSuffix(" GMT") && text.contains(",")
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || $0 == "," || $0 == ":") }
        return isDate ? text : nil
    }
}
