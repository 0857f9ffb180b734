/// OpenAI's `stop`: a string or an array of strings.
enum OpenAIStop {
    /// The stop sequences as an array; nil when there are none.
    /// - Throws: 400 when `stop` has another shape.
    static func sequences(_ stop: JSONValue?) throws(TranslationError) -> JSONValue? {
        guard let stop else { return nil }
        if case .string = stop { return .array([stop]) }
        guard let sequences = stop.arrayValue, sequences.allSatisfy({ $0.stringValue != nil }) else {
            throw TranslationError.invalidRequest("'stop' must be a string or an array of strings", param: "stop")
        }
        return sequences.isEmpty ? nil : stop
    }
}
