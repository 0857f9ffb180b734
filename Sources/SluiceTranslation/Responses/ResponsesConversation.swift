/// A Responses request's `input` items as chat completions messages.
///
/// - A `message` item becomes a message of its role (`developer` as `system`, which every chat
///   server takes); `input_text` and `output_text` parts become text, `input_image` an
///   `image_url` part, `input_file` with inline `file_data` a `file` part.
/// - The items of one assistant turn (its `message`, its `function_call`s, and the `reasoning`
///   before them) become one assistant message: text as `content`, calls as `tool_calls`, and
///   reasoning sealed by the gateway restored as the backend gave it (`reasoning_content`,
///   `thinking_blocks`).
/// - A `function_call_output` becomes a `tool` message; images in it (chat tool messages carry
///   text only) follow the run of tool messages as a user message.
/// - A `reasoning` item without `encrypted_content`, or with another service's, is left out: a
///   summary is nothing a backend can take back.
struct ResponsesConversation {
    private(set) var messages: [JSONValue] = []
    private var assistant: AssistantTurn?
    /// Image parts of tool outputs, for the user message after the tool messages.
    private var toolImages: [JSONValue] = []

    private struct AssistantTurn {
        var text: String?
        var toolCalls: [JSONValue] = []
        var reasoning = ResponsesReasoningForm()
    }

    /// Adds the system message made of `instructions`.
    mutating func addInstructions(_ instructions: String) {
        self.messages.append(["role": "system", "content": .string(instructions)])
    }

    /// Adds the `input` string or items.
    mutating func add(
        input: JSONValue, toolNames: inout ResponsesToolNames, seal: (any ReasoningSeal)?
    ) throws(TranslationError) {
        if let text = input.stringValue {
            self.messages.append(["role": "user", "content": .string(text)])
            return
        }
        guard let items = input.arrayValue else {
            throw TranslationError.invalidRequest("'input' must be a string or an array of input items", param: "input")
        }
        for (index, item) in items.enumerated() {
            try self.add(item: item, at: "input[\(index)]", toolNames: &toolNames, seal: seal)
        }
        self.finishAssistant()
        self.finishToolOutputs()
    }

    private mutating func add(
        item: JSONValue, at path: String, toolNames: inout ResponsesToolNames, seal: (any ReasoningSeal)?
    ) throws(TranslationError) {
        guard item.objectMembers != nil else {
            throw TranslationError.invalidRequest("'\(path)' must be an object", param: path)
        }
        let type = try item.optionalString("type", at: "\(path).type") ?? (item.present("role") != nil ? "message" : nil)
        if type != "function_call_output" { self.finishToolOutputs() }
        switch type {
        case "message":
            try self.add(message: item, at: path)
        case "function_call":
            let callID = try item.requiredString("call_id", at: "\(path).call_id")
            let name = try item.requiredString("name", at: "\(path).name")
            let arguments = try item.optionalString("arguments", at: "\(path).arguments") ?? ""
            let chatName: String
            if let namespace = try item.optionalString("namespace", at: "\(path).namespace") {
                chatName = toolNames.register(namespace: namespace, name: name)
            } else {
                chatName = name
            }
            self.openAssistant()
            self.assistant?.toolCalls.append([
                "id": .string(callID), "type": "function", "function": ["name": .string(chatName), "arguments": .string(arguments)],
            ])
        case "function_call_output":
            self.finishAssistant()
            try self.add(toolOutput: item, at: path)
        case "reasoning":
            try self.add(reasoning: item, at: path, seal: seal)
        case "item_reference":
            throw TranslationError.unsupported(
                "\(path).type", "an item_reference names an item stored on OpenAI's servers; send the item itself, or continue with previous_response_id")
        case nil:
            throw TranslationError.invalidRequest("'\(path).type' is a required property", param: "\(path).type")
        case let type?:
            throw TranslationError.unsupported("\(path).type", "input items of type '\(type)' cannot be sent to a chat completions backend")
        }
    }

    private mutating func add(message item: JSONValue, at path: String) throws(TranslationError) {
        let role = try item.requiredString("role", at: "\(path).role")
        guard let content = item.present("content") else {
            throw TranslationError.invalidRequest("'\(path).content' is a required property", param: "\(path).content")
        }
        switch role {
        case "user":
            self.finishAssistant()
            self.messages.append(["role": "user", "content": try Self.userContent(content, at: "\(path).content")])
        case "system", "developer":
            self.finishAssistant()
            self.messages.append(["role": "system", "content": try Self.textContent(content, at: "\(path).content")])
        case "assistant":
            let text = try Self.assistantText(content, at: "\(path).content")
            if let turn = self.assistant, turn.text != nil || !turn.toolCalls.isEmpty { self.finishAssistant() }
            self.openAssistant()
            self.assistant?.text = text
        default:
            throw TranslationError.invalidRequest("'\(path).role' must be one of user, assistant, system, developer", param: "\(path).role")
        }
    }

    private mutating func add(toolOutput item: JSONValue, at path: String) throws(TranslationError) {
        let callID = try item.requiredString("call_id", at: "\(path).call_id")
        guard let output = item.present("output") else {
            throw TranslationError.invalidRequest("'\(path).output' is a required property", param: "\(path).output")
        }
        let content: JSONValue
        if case .string = output {
            content = output
        } else if let parts = output.arrayValue {
            var texts: [String] = []
            for (index, part) in parts.enumerated() {
                let partPath = "\(path).output[\(index)]"
                switch part["type"]?.stringValue {
                case "input_text", "output_text":
                    texts.append(try part.requiredString("text", at: "\(partPath).text"))
                case "input_image":
                    self.toolImages.append(try Self.imagePart(part, at: partPath))
                default:
                    throw TranslationError.unsupported("\(partPath).type", "tool outputs can carry text and images only")
                }
            }
            content = texts.count == 1 ? .string(texts[0]) : .array(texts.map { ["type": "text", "text": .string($0)] })
        } else {
            throw TranslationError.invalidRequest("'\(path).output' must be a string or an array of content parts", param: "\(path).output")
        }
        self.messages.append(["role": "tool", "tool_call_id": .string(callID), "content": content])
    }

    private mutating func add(reasoning item: JSONValue, at path: String, seal: (any ReasoningSeal)?) throws(TranslationError) {
        guard let envelope = try item.optionalString("encrypted_content", at: "\(path).encrypted_content"),
            let seal, seal.claims(envelope)
        else { return }
        guard let opened = seal.open(envelope), let form = ResponsesReasoningForm(plaintext: opened) else {
            throw TranslationError.invalidRequest(
                "'\(path).encrypted_content' could not be opened: it was not sealed by this gateway with its current reasoning key, or it was changed",
                param: "\(path).encrypted_content")
        }
        if let turn = self.assistant, turn.text != nil || !turn.toolCalls.isEmpty { self.finishAssistant() }
        self.openAssistant()
        self.assistant?.reasoning.add(form)
    }

    private mutating func openAssistant() {
        if self.assistant == nil { self.assistant = AssistantTurn() }
    }

    /// Ends the assistant turn being gathered; reasoning with nothing after it is left out.
    private mutating func finishAssistant() {
        guard let turn = self.assistant else { return }
        self.assistant = nil
        guard turn.text != nil || !turn.toolCalls.isEmpty else { return }
        var message = ObjectBuilder()
        message.set("role", "assistant")
        message.set("content", turn.text.map(JSONValue.string) ?? .null)
        for member in turn.reasoning.messageMembers { message.set(member.key, member.value) }
        if !turn.toolCalls.isEmpty { message.set("tool_calls", .array(turn.toolCalls)) }
        self.messages.append(message.object)
    }

    private mutating func finishToolOutputs() {
        guard !self.toolImages.isEmpty else { return }
        self.messages.append(["role": "user", "content": .array(self.toolImages)])
        self.toolImages = []
    }

    // MARK: - Content

    private static func userContent(_ content: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        if case .string = content { return content }
        guard let parts = content.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string or an array of content parts", param: path)
        }
        var output: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            let partPath = "\(path)[\(index)]"
            switch part["type"]?.stringValue {
            case "input_text", "output_text":
                output.append(["type": "text", "text": .string(try part.requiredString("text", at: "\(partPath).text"))])
            case "input_image":
                output.append(try Self.imagePart(part, at: partPath))
            case "input_file":
                output.append(try Self.filePart(part, at: partPath))
            default:
                throw TranslationError.unsupported("\(partPath).type", "content parts of this type have no chat completions equivalent")
            }
        }
        return Self.collapsed(output)
    }

    private static func textContent(_ content: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        if case .string = content { return content }
        guard let parts = content.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string or an array of content parts", param: path)
        }
        var output: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            let partPath = "\(path)[\(index)]"
            switch part["type"]?.stringValue {
            case "input_text", "output_text":
                output.append(["type": "text", "text": .string(try part.requiredString("text", at: "\(partPath).text"))])
            default:
                throw TranslationError.unsupported("\(partPath).type", "system and developer messages can carry text only")
            }
        }
        return Self.collapsed(output)
    }

    /// An assistant message's text: its `output_text` parts joined, a `refusal` part as text.
    private static func assistantText(_ content: JSONValue, at path: String) throws(TranslationError) -> String {
        if let text = content.stringValue { return text }
        guard let parts = content.arrayValue else {
            throw TranslationError.invalidRequest("'\(path)' must be a string or an array of content parts", param: path)
        }
        var text = ""
        for (index, part) in parts.enumerated() {
            let partPath = "\(path)[\(index)]"
            switch part["type"]?.stringValue {
            case "output_text", "input_text": text += try part.requiredString("text", at: "\(partPath).text")
            case "refusal": text += try part.requiredString("refusal", at: "\(partPath).refusal")
            default: throw TranslationError.unsupported("\(partPath).type", "assistant messages can carry output_text and refusal parts only")
            }
        }
        return text
    }

    private static func imagePart(_ part: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        if part.present("file_id") != nil {
            throw TranslationError.unsupported(
                "\(path).file_id", "files uploaded to OpenAI cannot be read by this backend; send the image as image_url (an http(s) or base64 data: URL)")
        }
        var image = ObjectBuilder()
        image.set("url", .string(try part.requiredString("image_url", at: "\(path).image_url")))
        if let detail = part.present("detail")?.stringValue, ["auto", "low", "high"].contains(detail) { image.set("detail", .string(detail)) }
        return ["type": "image_url", "image_url": image.object]
    }

    private static func filePart(_ part: JSONValue, at path: String) throws(TranslationError) -> JSONValue {
        guard let data = try part.optionalString("file_data", at: "\(path).file_data") else {
            let member = part.present("file_id") != nil ? "file_id" : "file_url"
            throw TranslationError.unsupported("\(path).\(member)", "only files inlined in 'file_data' can be sent to this backend")
        }
        var file = ObjectBuilder()
        file.set("file_data", .string(data))
        file.set("filename", try part.optionalString("filename", at: "\(path).filename").map(JSONValue.string))
        return ["type": "file", "file": file.object]
    }

    /// One text part as a plain string, as chat clients usually send it.
    private static func collapsed(_ parts: [JSONValue]) -> JSONValue {
        if parts.count == 1, parts[0]["type"]?.stringValue == "text", let text = parts[0]["text"] { return text }
        return .array(parts)
    }
}
