import Crypto
import SluiceCore
import SluiceStore

/// `GET /v1/responses/{id}/input_items`: a response's own input items in OpenAI's list shape
/// (`object: "list"`, `data`, `first_id`, `last_id`, `has_more`), a page at a time.
///
/// Items are stored as the client sent them, so that continuing a conversation sends them on
/// unchanged; the list shows them as OpenAI does: every item with an `id` (its own, or one
/// derived from the response id and its place, the same on every read), a `type`, and a
/// message's text content as content parts.
struct InputItemList {
    enum Order: String {
        case asc, desc
    }

    /// OpenAI's bounds and default for `limit`.
    static let limits = 1...100
    static let defaultLimit = 20

    var limit = Self.defaultLimit
    var order = Order.desc
    /// The id of the item the page starts after.
    var after: String?

    /// Reads `limit`, `order` and `after` from the query; `include` is accepted (every stored
    /// item is shown whole).
    init(query: [String: String]) throws(GatewayError) {
        if let text = query["limit"] {
            guard let limit = Int(text) else { throw .invalidRequest("Invalid 'limit': expected an integer, got '\(text.prefix(32))'.", param: "limit") }
            guard Self.limits.contains(limit) else {
                throw .integerOutOfRange("limit", literal: text, bound: limit < Self.limits.lowerBound ? Self.limits.lowerBound : Self.limits.upperBound, above: limit > Self.limits.upperBound)
            }
            self.limit = limit
        }
        if let text = query["order"] {
            guard let order = Order(rawValue: text) else {
                throw .invalidRequest("Invalid 'order': '\(text.prefix(32))'. Supported values are: 'asc' and 'desc'.", param: "order")
            }
            self.order = order
        }
        self.after = query["after"]
    }

    /// The page of `response`'s input items this query asks for, as JSON.
    func page(of response: StoredResponse) throws(GatewayError) -> [UInt8] {
        var items = ResponseItems.elements(ofArray: response.inputItems).enumerated().map { index, item in
            Self.listed(item, responseID: response.id, index: index)
        }
        if self.order == .desc { items.reverse() }
        var start = 0
        if let after = self.after {
            guard let position = items.firstIndex(where: { $0.id == after }) else {
                throw .invalidRequest("No input item with id '\(ResponseID.quoted(after))' in response '\(response.id)'.", param: "after")
            }
            start = position + 1
        }
        let page = items[start...].prefix(self.limit)
        var body = Array(#"{"object":"list","data":["#.utf8)
        for (offset, item) in page.enumerated() {
            if offset > 0 { body.append(UInt8(ascii: ",")) }
            body += item.bytes
        }
        body += Array(#"],"first_id":"#.utf8)
        body += Array((page.first.map { JSONString.quoted($0.id) } ?? "null").utf8)
        body += Array(#","last_id":"#.utf8)
        body += Array((page.last.map { JSONString.quoted($0.id) } ?? "null").utf8)
        body += Array(#","has_more":\#(start + page.count < items.count)}"#.utf8)
        return body
    }

    /// An item as the list shows it, with its id.
    static func listed(_ item: [UInt8], responseID: String, index: Int) -> (id: String, bytes: [UInt8]) {
        item.withUnsafeBytes { bytes in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes), let open = bytes.firstIndex(of: UInt8(ascii: "{")) else {
                return (Self.derivedID(prefix: "item", responseID: responseID, index: index), item)
            }
            let type = members.member("type").flatMap { JSONValueReader.string($0, in: bytes) }
            let id = members.member("id").flatMap { JSONValueReader.string($0, in: bytes) }
                ?? Self.derivedID(prefix: Self.idPrefix(ofType: type ?? "message"), responseID: responseID, index: index)
            var added: [String] = []
            var edits: [BodyEdit] = []
            // An item's id that is not a string (null) is replaced, so the listed item names `id` once.
            switch members.member("id") {
            case let member? where member.kind != .string: edits.append(BodyEdit(range: member.value, replacement: JSONString.quoted(id)))
            case nil: added.append(#""id":"# + JSONString.quoted(id))
            default: break
            }
            if type == nil { added.append(#""type":"message""#) }
            if !added.isEmpty {
                let separator = members.isEmpty ? "" : ","
                edits.append(BodyEdit(range: (open + 1)..<(open + 1), replacement: added.joined(separator: ",") + separator))
            }
            if (type ?? "message") == "message", let content = members.member("content"), let text = JSONValueReader.string(content, in: bytes) {
                let role = members.member("role").flatMap { JSONValueReader.string($0, in: bytes) }
                let part = role == "assistant" ? "output_text" : "input_text"
                let parts = #"[{"type":"\#(part)","text":"# + JSONString.quoted(text) + "}]"
                edits.append(BodyEdit(range: content.value, replacement: parts))
            }
            return (id, edits.isEmpty ? item : BodyEdit.apply(edits.sorted { $0.range.lowerBound < $1.range.lowerBound }, to: bytes))
        }
    }

    /// OpenAI's id prefix for an item type.
    private static func idPrefix(ofType type: String) -> String {
        switch type {
        case "message": "msg"
        case "function_call": "fc"
        case "function_call_output": "fco"
        case "reasoning": "rs"
        default: "item"
        }
    }

    /// An id for an item the client sent without one: the same for the same response and place.
    private static func derivedID(prefix: String, responseID: String, index: Int) -> String {
        let digest = SHA256.hash(data: Array("\(responseID)/\(index)".utf8))
        return prefix + "_" + digest.prefix(24).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
