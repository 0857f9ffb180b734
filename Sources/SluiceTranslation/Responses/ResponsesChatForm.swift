/// A Responses request as a chat completions request, with what the answer needs to be turned
/// back into the Responses shape.
public struct ResponsesChatForm: Sendable {
    /// The chat completions request body.
    public var body: [UInt8]
    /// The types of the tools left out because a chat backend cannot run them (`web_search`,
    /// `file_search`, `custom`, ...), each once, in the order of the request; for a debug log.
    public var droppedTools: [String]
    /// Top-level members the translation does not know and left out; for a debug log.
    public var ignoredMembers: [String]
    /// The chat names of namespaced functions, to report their calls under their namespace.
    public var toolNames: ResponsesToolNames
}
