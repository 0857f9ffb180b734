/// Sluice's estimate of the input tokens of an Anthropic Messages request, for models whose
/// backend cannot count them (`count_tokens` on a translated backend, `message_start` before a
/// translated backend has reported its usage, the trigger of `context_management` edits).
///
/// It adds up ``TextTokenEstimate`` over what the model reads: the system prompt, every
/// message's text, tool calls (name and input as JSON), tool results, and the tool definitions
/// (name, description and input schema as JSON), plus a fixed framing per message and per tool.
/// Earlier turns' thinking is not counted, as Anthropic does not count it. An image costs a fixed
/// ``imageTokens`` (Anthropic's cost of an image at its largest size before downscaling, about
/// 1.15 megapixels), a PDF document ``documentTokens``.
public enum AnthropicPromptEstimate {
    /// The tokens an image is assumed to cost.
    public static let imageTokens = 1_600
    /// The tokens a PDF or other non-text document is assumed to cost.
    public static let documentTokens = 3_000
    /// Tokens that frame the conversation, each message, and each tool definition.
    static let (conversationFraming, messageFraming, toolFraming) = (3, 4, 8)

    /// The estimate for `body`.
    /// - Throws: when `body` is not a JSON object.
    public static func inputTokens(ofAnthropicMessages body: some Collection<UInt8>) throws(TranslationError) -> Int {
        Self.inputTokens(of: try JSONValue.requestBody(body))
    }

    static func inputTokens(of request: JSONValue) -> Int {
        var tokens = Self.conversationFraming
        if let system = request.present("system") { tokens += Self.messageFraming + Self.content(system) }
        for message in request["messages"]?.arrayValue ?? [] {
            tokens += Self.messageFraming + (message["content"].map(Self.content) ?? 0)
        }
        for tool in request["tools"]?.arrayValue ?? [] {
            tokens += Self.toolFraming + Self.tool(tool)
        }
        return tokens
    }

    /// A tool definition: a custom tool's name, description and schema; a server tool as written.
    private static func tool(_ tool: JSONValue) -> Int {
        guard let name = tool["name"]?.stringValue, let schema = tool["input_schema"] else { return Self.json(tool) }
        return TextTokenEstimate.tokens(name) + (tool["description"]?.stringValue.map(TextTokenEstimate.tokens) ?? 0) + Self.json(schema)
    }

    /// A message's or system prompt's content: a string or content blocks.
    static func content(_ content: JSONValue) -> Int {
        if let text = content.stringValue { return TextTokenEstimate.tokens(text) }
        return (content.arrayValue ?? []).reduce(0) { $0 + Self.block($1) }
    }

    private static func block(_ block: JSONValue) -> Int {
        switch block["type"]?.stringValue {
        case "text":
            return TextTokenEstimate.tokens(block["text"]?.stringValue ?? "")
        case "image":
            return Self.imageTokens
        case "document":
            let source = block["source"]
            switch source?["type"]?.stringValue {
            case "text": return TextTokenEstimate.tokens(source?["data"]?.stringValue ?? "")
            case "content": return source?["content"].map(Self.content) ?? 0
            default: return Self.documentTokens
            }
        case "tool_use", "server_tool_use":
            return TextTokenEstimate.tokens(block["name"]?.stringValue ?? "") + (block["input"].map(Self.json) ?? 0)
        case "tool_result":
            return block["content"].map(Self.content) ?? 0
        case "thinking", "redacted_thinking":
            return 0
        default:
            return Self.json(block)
        }
    }

    private static func json(_ value: JSONValue) -> Int {
        TextTokenEstimate.tokens(String(decoding: value.serialized, as: UTF8.self))
    }
}
