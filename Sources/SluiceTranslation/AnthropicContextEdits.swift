/// Anthropic's `context_management` edits, done by Sluice on the history a translated backend
/// is sent, since no such backend keeps the conversation on its side.
///
/// - `clear_thinking_*`: always in effect, whatever its `keep`: earlier turns' thinking is never
///   sent to a translated backend.
/// - `clear_tool_uses_*`: once the `trigger` is passed (`input_tokens`, by
///   ``AnthropicPromptEstimate``, or `tool_uses`; 100,000 input tokens when absent), the results
///   of all tool uses but the last `keep` (3 when absent) are replaced with
///   ``clearedResultText``, and with `clear_tool_inputs` their inputs with `{}`; tools named in
///   `exclude_tools` are left alone, and nothing is cleared when it would save fewer input tokens
///   than `clear_at_least`.
/// - Any other edit, or one whose members are not as Anthropic documents them, is left undone
///   and named in ``Outcome/ignored``; never refused.
enum AnthropicContextEdits {
    /// What a cleared tool result says instead, so the model knows something was there.
    static let clearedResultText = "[Tool result cleared to save context]"

    struct Outcome {
        var messages: [JSONValue]
        /// The edits left undone, as `context_management.edits[i]` with their type.
        var ignored: [String] = []
    }

    /// - Parameters:
    ///   - messages: the request's turns.
    ///   - request: the whole request, whose size the `input_tokens` trigger estimates.
    static func apply(_ management: JSONValue?, to messages: [JSONValue], of request: JSONValue) -> Outcome {
        var outcome = Outcome(messages: messages)
        guard let management else { return outcome }
        guard let edits = management["edits"]?.arrayValue else {
            outcome.ignored.append("context_management")
            return outcome
        }
        for (index, edit) in edits.enumerated() {
            let type = edit["type"]?.stringValue ?? ""
            if type.hasPrefix("clear_thinking_") { continue }
            if type.hasPrefix("clear_tool_uses_"), let clearing = ToolUseClearing(edit) {
                clearing.apply(to: &outcome.messages, request: request)
                continue
            }
            outcome.ignored.append("context_management.edits[\(index)] (\(type.isEmpty ? "no type" : type))")
        }
        return outcome
    }

    /// A `clear_tool_uses` edit's settings.
    private struct ToolUseClearing {
        enum Trigger {
            case inputTokens(Int)
            case toolUses(Int)
        }

        var trigger = Trigger.inputTokens(100_000)
        var keep = 3
        var clearAtLeast: Int?
        var excludedTools: Set<String> = []
        var clearsInputs = false

        /// Nil when a member is not as documented.
        init?(_ edit: JSONValue) {
            if let trigger = edit.present("trigger") {
                guard let value = trigger["value"]?.intValue else { return nil }
                switch trigger["type"]?.stringValue {
                case "input_tokens": self.trigger = .inputTokens(value)
                case "tool_uses": self.trigger = .toolUses(value)
                default: return nil
                }
            }
            if let keep = edit.present("keep") {
                guard keep["type"]?.stringValue == "tool_uses", let value = keep["value"]?.intValue else { return nil }
                self.keep = max(value, 0)
            }
            if let clearAtLeast = edit.present("clear_at_least") {
                guard let value = clearAtLeast["value"]?.intValue else { return nil }
                self.clearAtLeast = value
            }
            if let excluded = edit.present("exclude_tools") {
                guard let names = excluded.arrayValue?.compactMap(\.stringValue) else { return nil }
                self.excludedTools = Set(names)
            }
            if let clearsInputs = edit.present("clear_tool_inputs") {
                guard let flag = clearsInputs.boolValue else { return nil }
                self.clearsInputs = flag
            }
        }

        func apply(to messages: inout [JSONValue], request: JSONValue) {
            var toolUses: [(id: String, name: String)] = []
            for message in messages where message["role"]?.stringValue == "assistant" {
                for block in message["content"]?.arrayValue ?? [] where block["type"]?.stringValue == "tool_use" {
                    guard let id = block["id"]?.stringValue else { continue }
                    toolUses.append((id, block["name"]?.stringValue ?? ""))
                }
            }
            switch self.trigger {
            case .toolUses(let count): guard toolUses.count > count else { return }
            case .inputTokens(let count):
                guard AnthropicPromptEstimate.inputTokens(of: request.setting("messages", to: .array(messages))) > count else { return }
            }
            let cleared = Set(toolUses.dropLast(self.keep).filter { !self.excludedTools.contains($0.name) }.map(\.id))
            guard !cleared.isEmpty else { return }
            var saved = 0
            let edited = messages.map { message in
                guard let blocks = message["content"]?.arrayValue else { return message }
                return message.setting("content", to: .array(blocks.map { block in
                    switch block["type"]?.stringValue {
                    case "tool_result":
                        guard let id = block["tool_use_id"]?.stringValue, cleared.contains(id) else { return block }
                        saved += (block["content"].map(AnthropicPromptEstimate.content) ?? 0) - TextTokenEstimate.tokens(AnthropicContextEdits.clearedResultText)
                        return block.setting("content", to: .string(AnthropicContextEdits.clearedResultText))
                    case "tool_use" where self.clearsInputs:
                        guard let id = block["id"]?.stringValue, cleared.contains(id) else { return block }
                        saved += block["input"].map { TextTokenEstimate.tokens(String(decoding: $0.serialized, as: UTF8.self)) } ?? 0
                        return block.setting("input", to: [:])
                    default:
                        return block
                    }
                }))
            }
            if let clearAtLeast = self.clearAtLeast, saved < clearAtLeast { return }
            messages = edited
        }
    }
}
