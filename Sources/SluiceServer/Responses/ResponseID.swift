/// Response ids as they arrive from clients (a path, `previous_response_id`): checked before
/// they are looked up or echoed in an error.
enum ResponseID {
    /// The longest id accepted; the gateway's own are far shorter.
    static let maximumLength = 256

    /// Whether `id` could be an id at all: 1 to 256 letters, digits, `_` and `-`.
    static func isWellFormed(_ id: String) -> Bool {
        (1...self.maximumLength).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// `id` as an error message may show it: at most 64 characters, so a huge id is not echoed whole.
    static func quoted(_ id: String) -> String {
        id.count > 64 ? String(id.prefix(64)) + "…" : id
    }
}
