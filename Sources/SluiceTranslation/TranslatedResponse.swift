import SluiceCore

/// A response body translated for the client, with the usage read from the upstream's.
public struct TranslatedResponse: Sendable {
    public var body: [UInt8]
    /// The upstream's token counts; nil when it reported none.
    public var usage: Usage?
}
