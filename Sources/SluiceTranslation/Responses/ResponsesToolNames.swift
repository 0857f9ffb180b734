/// The chat function names of a Responses request's namespaced tools, and the way back.
///
/// A `namespace` tool (`{"type": "namespace", "name": "crm", "tools": [...]}`, as the Codex CLI
/// sends its MCP and app tools) groups functions that the model calls by namespace and name. Chat
/// completions has one flat list of functions, so each namespaced function goes to the backend
/// as `<namespace>__<name>` (Codex's own flat spelling, with underscores at the seam trimmed),
/// and a call of that name comes back as a `function_call` with `name` and `namespace` apart.
public struct ResponsesToolNames: Sendable, Equatable {
    /// A function's name inside its namespace.
    public struct Qualified: Sendable, Equatable {
        public var namespace: String
        public var name: String
    }

    private var byChatName: [String: Qualified] = [:]

    public init() {}

    /// The chat function name for `name` in `namespace`, remembered for the way back.
    mutating func register(namespace: String, name: String) -> String {
        let chatName = Self.chatName(namespace: namespace, name: name)
        self.byChatName[chatName] = Qualified(namespace: namespace, name: name)
        return chatName
    }

    /// Whether `chatName` stands for a namespaced function.
    func isNamespaced(_ chatName: String) -> Bool { self.byChatName[chatName] != nil }

    /// The chat names of the namespaced functions called `name`.
    func chatNames(ofFunctionNamed name: String) -> [String] {
        self.byChatName.filter { $0.value.name == name }.map(\.key).sorted()
    }

    /// The namespace and name a chat tool call's `name` stands for; a name that is no
    /// namespaced function's is the function's own, without a namespace.
    public func original(ofChatName chatName: String) -> (namespace: String?, name: String) {
        guard let qualified = self.byChatName[chatName] else { return (nil, chatName) }
        return (qualified.namespace, qualified.name)
    }

    static func chatName(namespace: String, name: String) -> String {
        var trimmedNamespace = Substring(namespace)
        while trimmedNamespace.last == "_" { trimmedNamespace = trimmedNamespace.dropLast() }
        var trimmedName = Substring(name)
        while trimmedName.first == "_" { trimmedName = trimmedName.dropFirst() }
        return "\(trimmedNamespace)__\(trimmedName)"
    }
}
