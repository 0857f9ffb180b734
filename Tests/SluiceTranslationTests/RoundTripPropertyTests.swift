import SluiceTranslation
import Testing

/// OpenAI -> Anthropic -> OpenAI keeps a conversation's messages, tools and tool calls.
@Suite("Round trip through the Anthropic dialect")
struct RoundTripPropertyTests {
    @Test func randomConversationsSurviveTheRoundTrip() throws {
        var random = SeededGenerator(seed: 20_261_130)
        var toolCallCount = 0
        for iteration in 0..<400 {
            let request = ConversationGenerator.request(using: &random)
            toolCallCount += request["messages"]!.arrayValue!.reduce(0) { $0 + ($1["tool_calls"]?.arrayValue?.count ?? 0) }
            let anthropic = try AnthropicRequestTranslator.translate(openAIChat: request.serialized, model: "claude", defaultMaxTokens: 512)
            let back = json(try OpenAIRequestTranslator.translate(anthropicMessages: anthropic, model: "gpt"))
            #expect(back["messages"] == request["messages"], "conversation \(iteration): \(String(decoding: request.serialized, as: UTF8.self))")
            #expect(back["tools"] == request["tools"], "conversation \(iteration)")
            // Anthropic carries `parallel_tool_calls: false` inside its tool choice, so it comes back
            // with an explicit `auto`; and it has no parallel switch when tools are off (`none`).
            let forbidsParallel = request["parallel_tool_calls"] == false
            let choice = request["tool_choice"] ?? (forbidsParallel ? "auto" : nil)
            #expect(back["tool_choice"] == choice, "conversation \(iteration)")
            #expect(back["parallel_tool_calls"] == (forbidsParallel && choice != "none" ? false : nil), "conversation \(iteration)")
        }
        #expect(toolCallCount > 500, "the generator should exercise tool calls")
    }
}

/// Random OpenAI chat requests in the subset both dialects express: one system prompt, user and
/// assistant turns that alternate, tool calls answered by tool messages.
enum ConversationGenerator {
    static func request(using random: inout SeededGenerator) -> JSONValue {
        var messages: [JSONValue] = []
        if Bool.random(using: &random) { messages.append(["role": "system", "content": .string(self.text(using: &random))]) }
        var toolNames: [String] = (0..<Int.random(in: 1...4, using: &random)).map { "tool_\($0)" }
        if Int.random(in: 0..<5, using: &random) == 0 { toolNames = [] }
        var lastRole = "system"
        var callNumber = 0
        for _ in 0..<Int.random(in: 1...12, using: &random) {
            if lastRole == "user" || (lastRole == "tool" && Bool.random(using: &random)) {
                var message: [(key: String, value: JSONValue)] = [(key: "role", value: "assistant")]
                let calls = toolNames.isEmpty ? 0 : Int.random(in: 0...3, using: &random)
                let hasText = calls == 0 || Bool.random(using: &random)
                message.append((key: "content", value: hasText ? .string(self.text(using: &random)) : .null))
                if calls > 0 {
                    let toolCalls: [JSONValue] = (0..<calls).map { _ in
                        callNumber += 1
                        let arguments = self.object(depth: 0, using: &random)
                        return [
                            "id": .string("call_\(callNumber)"), "type": "function",
                            "function": ["name": .string(toolNames.randomElement(using: &random)!), "arguments": .string(String(decoding: arguments.serialized, as: UTF8.self))],
                        ]
                    }
                    message.append((key: "tool_calls", value: .array(toolCalls)))
                    messages.append(.object(message))
                    for call in toolCalls {
                        messages.append(["role": "tool", "tool_call_id": call["id"]!, "content": .string(self.text(using: &random))])
                    }
                    lastRole = "tool"
                    continue
                }
                messages.append(.object(message))
                lastRole = "assistant"
            } else {
                messages.append(["role": "user", "content": self.userContent(using: &random)])
                lastRole = "user"
            }
        }
        var request: [(key: String, value: JSONValue)] = [(key: "model", value: "gpt"), (key: "messages", value: .array(messages))]
        if !toolNames.isEmpty {
            let tools: [JSONValue] = toolNames.map { name in
                var function: [(key: String, value: JSONValue)] = [(key: "name", value: .string(name))]
                if Bool.random(using: &random) { function.append((key: "description", value: .string(self.text(using: &random)))) }
                function.append((key: "parameters", value: ["type": "object", "properties": ["a": ["type": "string"]], "required": ["a"]]))
                return ["type": "function", "function": .object(function)]
            }
            request.append((key: "tools", value: .array(tools)))
            let choices: [JSONValue] = ["auto", "none", "required", ["type": "function", "function": ["name": .string(toolNames[0])]]]
            if Bool.random(using: &random) { request.append((key: "tool_choice", value: choices.randomElement(using: &random)!)) }
            if Bool.random(using: &random) { request.append((key: "parallel_tool_calls", value: false)) }
        }
        return .object(request)
    }

    /// A string content, or two or more parts (a single text part comes back as a string).
    private static func userContent(using random: inout SeededGenerator) -> JSONValue {
        if Bool.random(using: &random) { return .string(self.text(using: &random)) }
        let parts: [JSONValue] = (0..<Int.random(in: 2...4, using: &random)).map { _ in
            switch Int.random(in: 0..<4, using: &random) {
            case 0: ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="]]
            case 1: ["type": "image_url", "image_url": ["url": "https://example.com/cat.jpg"]]
            default: ["type": "text", "text": .string(self.text(using: &random))]
            }
        }
        return .array(parts)
    }

    private static let alphabet: [String] = ["a", "b", "Z", " ", "\n", "\"", "\\", "/", "é", "日本", "😀", "{", "}", "<", "\t", "\u{1}"]

    /// Non-empty text with characters JSON must escape and non-ASCII ones.
    static func text(using random: inout SeededGenerator) -> String {
        (0..<Int.random(in: 1...24, using: &random)).map { _ in self.alphabet.randomElement(using: &random)! }.joined()
    }

    private static func object(depth: Int, using random: inout SeededGenerator) -> JSONValue {
        .object((0..<Int.random(in: 0...4, using: &random)).map { index in (key: "k\(index)\(self.text(using: &random))", value: self.value(depth: depth + 1, using: &random)) })
    }

    private static func value(depth: Int, using random: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth > 2 ? 4 : 6), using: &random) {
        case 0: .string(self.text(using: &random))
        case 1: .number(["0", "-1", "3.25", "1e10", "123456789012345678901234567890"].randomElement(using: &random)!)
        case 2: .bool(Bool.random(using: &random))
        case 3: .null
        case 4: .array((0..<Int.random(in: 0...3, using: &random)).map { _ in self.value(depth: depth + 1, using: &random) })
        default: self.object(depth: depth, using: &random)
        }
    }
}
