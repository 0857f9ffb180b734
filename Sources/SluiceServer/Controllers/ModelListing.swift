import Foundation
import NIOCore
import SluiceCore
import SluiceTranslation

/// The public models as `GET /v1/models` and `GET /v1/models/{id}` list them, in OpenAI's shape
/// or, for a client that sends `anthropic-version`, in Anthropic's: `type: "model"`, `id`,
/// `display_name` (the public name: the config has no other) and `created_at` (RFC 3339), paged
/// by `limit` (1 to 1000, 20 when absent), `after_id` and `before_id` with `has_more`,
/// `first_id` and `last_id`, as Anthropic's Models API documents. Models are listed in name
/// order, which is stable across pages.
struct ModelListing: Sendable {
    /// The public model names, in name order.
    let names: [String]
    /// When the models were loaded, in seconds since 1970 (OpenAI's `created`).
    let created: Int

    /// The page's size when the client names none, and the largest it may name.
    static let (defaultLimit, maximumLimit) = (20, 1000)

    /// One model in OpenAI's shape; nil when there is no such model.
    func openAIModel(_ id: String) -> ByteBuffer? {
        guard self.names.contains(id) else { return nil }
        return ByteBuffer(string: #"{"id":\#(JSONString.quoted(id)),"object":"model","created":\#(self.created),"owned_by":"sluice"}"#)
    }

    /// One model in Anthropic's shape; nil when there is no such model.
    func anthropicModel(_ id: String) -> ByteBuffer? {
        guard self.names.contains(id) else { return nil }
        return ByteBuffer(bytes: self.anthropicEntry(id).serialized)
    }

    /// A page of the list in Anthropic's shape.
    /// - Parameters:
    ///   - limit: the query's `limit`, as written.
    ///   - afterID: list the models after this one (the next page).
    ///   - beforeID: list the models before this one (the previous page); `after_id` wins when both are given.
    /// - Throws: 400 naming `limit` when it is not a whole number from 1 to 1000.
    func anthropicPage(limit: String?, afterID: String?, beforeID: String?) throws(GatewayError) -> ByteBuffer {
        var size = Self.defaultLimit
        if let limit {
            guard let value = Int(limit), (1...Self.maximumLimit).contains(value) else {
                throw GatewayError.invalidRequest("limit: Input should be a whole number from 1 to \(Self.maximumLimit)", param: "limit")
            }
            size = value
        }
        let page: ArraySlice<String>
        let hasMore: Bool
        if let afterID {
            let start = self.names.firstIndex(of: afterID).map { $0 + 1 } ?? self.names.endIndex
            page = self.names[start..<min(start + size, self.names.endIndex)]
            hasMore = page.endIndex < self.names.endIndex
        } else if let beforeID {
            let end = self.names.firstIndex(of: beforeID) ?? self.names.startIndex
            page = self.names[max(end - size, self.names.startIndex)..<end]
            hasMore = page.startIndex > self.names.startIndex
        } else {
            page = self.names.prefix(size)
            hasMore = page.endIndex < self.names.endIndex
        }
        let body: JSONValue = [
            "data": .array(page.map(self.anthropicEntry)),
            "has_more": .bool(hasMore),
            "first_id": page.first.map(JSONValue.string) ?? .null,
            "last_id": page.last.map(JSONValue.string) ?? .null,
        ]
        return ByteBuffer(bytes: body.serialized)
    }

    private func anthropicEntry(_ name: String) -> JSONValue {
        ["type": "model", "id": .string(name), "display_name": .string(name), "created_at": .string(self.createdAt)]
    }

    private var createdAt: String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(self.created)))
    }
}
