/// The turns of a conversation for a dialect whose roles must alternate (Anthropic, Bedrock,
/// Gemini): content for the role of the last turn joins that turn.
struct AlternatingTurns {
    private(set) var turns: [(role: String, items: [JSONValue])] = []

    mutating func append(_ items: [JSONValue], role: String) {
        guard !items.isEmpty else { return }
        if let last = self.turns.indices.last, self.turns[last].role == role {
            self.turns[last].items += items
        } else {
            self.turns.append((role: role, items: items))
        }
    }

    /// The turns as `[{"role": …, itemsKey: […]}]`.
    func json(itemsKey: String) -> JSONValue {
        .array(self.turns.map { turn in
            var object = ObjectBuilder()
            object.set("role", .string(turn.role))
            object.set(itemsKey, .array(turn.items))
            return object.object
        })
    }
}
