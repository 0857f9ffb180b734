/// A base64 `data:` URL, as OpenAI clients inline images and files.
struct DataURL {
    var mediaType: String
    /// The base64 payload.
    var data: String

    init(mediaType: String, data: String) {
        self.mediaType = mediaType
        self.data = data
    }

    /// Reads `data:<media type>;base64,<payload>`; nil for anything else.
    init?(_ url: String) {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        guard header.hasSuffix(";base64") else { return nil }
        self.mediaType = String(header.dropLast(";base64".count))
        self.data = String(url[url.index(after: comma)...])
    }

    var url: String { "data:\(self.mediaType);base64,\(self.data)" }
}
