/// OpenAI embeddings requests and answers in terms of Gemini's `batchEmbedContents`.
///
/// Each input string becomes one request of the batch, `dimensions` its
/// `outputDimensionality`; token arrays and `encoding_format` `base64` have no equivalent and are
/// refused. Gemini reports no token counts for embeddings, so the answer's usage is zero.
public enum GeminiEmbeddingsTranslator {
    /// The `batchEmbedContents` body for an OpenAI embeddings request.
    /// - Parameter model: the upstream model name, without the `models/` prefix.
    public static func translate(openAIEmbeddings body: some Collection<UInt8>, model: String) throws(TranslationError) -> [UInt8] {
        let request = try JSONValue.requestBody(body)
        for member in request.objectMembers ?? [] where !member.value.isNull {
            switch member.key {
            case "input", "model", "dimensions", "user":
                continue
            case "encoding_format":
                if member.value.stringValue == "float" { continue }
                throw TranslationError.unsupported("encoding_format", "only float embeddings are returned")
            default:
                throw TranslationError.unsupported(member.key, "it has no equivalent")
            }
        }
        let inputs: [String]
        switch request.present("input") {
        case .string(let text)?:
            inputs = [text]
        case .array(let elements)? where !elements.isEmpty && elements.allSatisfy({ $0.stringValue != nil }):
            inputs = elements.compactMap(\.stringValue)
        default:
            throw TranslationError.unsupported("input", "only a string or an array of strings can be embedded")
        }
        let dimensions = try request.optionalPositiveInteger("dimensions")
        let requests: [JSONValue] = inputs.map { text in
            var entry = ObjectBuilder()
            entry.set("model", .string("models/\(model)"))
            entry.set("content", ["parts": [["text": .string(text)]]])
            entry.set("outputDimensionality", dimensions.map(JSONValue.integer))
            return entry.object
        }
        return JSONValue.object([(key: "requests", value: .array(requests))]).serialized
    }

    /// The OpenAI embeddings list for a `batchEmbedContents` answer.
    public static func translate(geminiEmbeddings body: some Collection<UInt8>, publicModel: String) throws(TranslationError) -> [UInt8] {
        let response: JSONValue
        do {
            response = try JSONValue.parseObject(body)
        } catch {
            throw TranslationError.upstreamInvalid("the upstream's answer is not valid JSON (\(error.reason))")
        }
        guard let embeddings = response["embeddings"]?.arrayValue else {
            throw TranslationError.upstreamInvalid("the upstream's answer has no embeddings")
        }
        let data: [JSONValue] = embeddings.enumerated().map { index, embedding in
            ["object": "embedding", "index": .integer(index), "embedding": embedding["values"] ?? []]
        }
        let list: JSONValue = [
            "object": "list", "data": .array(data), "model": .string(publicModel),
            "usage": ["prompt_tokens": 0, "total_tokens": 0],
        ]
        return list.serialized
    }
}
