/// A PEM file named by the config, as it was read when the config was loaded: what is checked is
/// what is used, and a reload that reads new contents is a change even when the path is the same.
///
/// It prints only its path, so a private key's bytes never reach a log or a config message.
public struct PEMFile: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The path as the config gives it, for messages.
    public let path: String
    /// The file's contents.
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    public var description: String { self.path }
    public var debugDescription: String { self.path }
}
