/// Seals a translated backend's reasoning (Anthropic thinking blocks with their signatures, a
/// model's `reasoning_content`) into the opaque `encrypted_content` of a Responses `reasoning`
/// item, and opens it again when the client sends the item back, so reasoning carries across
/// turns with no state kept by the gateway (`store: false`).
///
/// An implementation authenticates what it seals: ``open(_:)`` returns nil for an envelope that
/// was changed, or sealed under another key.
public protocol ReasoningSeal: Sendable {
    /// The envelope for `plaintext`.
    func seal(_ plaintext: [UInt8]) -> String
    /// The plaintext sealed in `envelope`, or nil when it does not authenticate.
    func open(_ envelope: String) -> [UInt8]?
    /// Whether `envelope` is in this seal's format at all, whichever key made it. An envelope
    /// that is not (OpenAI's own encrypted reasoning, from a turn a native backend answered) is
    /// nothing a translated backend can use, and is left out rather than refused.
    func claims(_ envelope: String) -> Bool
}

extension ReasoningSeal {
    /// Every envelope is taken to be this seal's, so one that does not open is refused.
    public func claims(_ envelope: String) -> Bool { true }
}
