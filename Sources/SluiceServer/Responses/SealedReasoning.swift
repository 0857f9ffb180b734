import Crypto
import struct Foundation.Data
import SluiceConfig
import SluiceTranslation

/// The reasoning envelope of translated Responses answers: AES-256-GCM under the gateway's
/// reasoning key, so a client can hold a backend's reasoning between turns (`store: false`) and
/// neither read nor change it.
///
/// An envelope is `sluice-rs1.` followed by base64 of nonce (12 bytes), ciphertext and tag
/// (16 bytes). The associated data names the envelope's purpose and version, so a ciphertext
/// made with the same key for anything else never opens as reasoning.
public struct SealedReasoning: ReasoningSeal {
    /// Marks Sluice's envelopes, apart from OpenAI's own encrypted reasoning.
    static let prefix = "sluice-rs1."
    private static let purpose = Array("sluice reasoning envelope v1".utf8)
    /// A key is exactly this long (AES-256).
    public static let keyLength = 32

    private let key: SymmetricKey
    /// The purpose, and the owner when the seal is bound to one.
    private var associatedData = Self.purpose

    /// A seal under `key`; nil unless it is 32 bytes.
    public init?(key: some Collection<UInt8>) {
        guard key.count == Self.keyLength else { return nil }
        self.key = SymmetricKey(data: Array(key))
    }

    /// A seal under a new random key, whose envelopes open only in this process.
    public static func ephemeral() -> SealedReasoning {
        SealedReasoning(symmetricKey: SymmetricKey(size: .bits256))
    }

    /// The seal under the configured key (base64, checked when the config was read), or an
    /// ephemeral one when the config names none.
    static func configured(_ key: Secret?) -> SealedReasoning {
        key.flatMap { Data(base64Encoded: $0.value) }.flatMap { SealedReasoning(key: $0) } ?? .ephemeral()
    }

    private init(symmetricKey: SymmetricKey) {
        self.key = symmetricKey
    }

    /// This seal for one owner's requests: its envelopes open only for the same owner, so an
    /// envelope handed to one tenant's client does not restore reasoning in another's request.
    func bound(to owner: ResponseOwner) -> SealedReasoning {
        var bound = self
        bound.associatedData = Self.purpose + Array("\u{0}tenant:\(owner.tenantID ?? "")\u{0}key:\(owner.tenantID == nil ? owner.keyID ?? "" : "")".utf8)
        return bound
    }

    public func seal(_ plaintext: [UInt8]) -> String {
        // Sealing with a valid key and a fresh random nonce cannot fail; should it, the empty
        // envelope is one that never opens.
        guard let box = try? AES.GCM.seal(plaintext, using: self.key, authenticating: self.associatedData),
            let combined = box.combined
        else { return Self.prefix }
        return Self.prefix + combined.base64EncodedString()
    }

    public func open(_ envelope: String) -> [UInt8]? {
        guard self.claims(envelope), let combined = Data(base64Encoded: String(envelope.dropFirst(Self.prefix.count))),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plaintext = try? AES.GCM.open(box, using: self.key, authenticating: self.associatedData)
        else { return nil }
        return Array(plaintext)
    }

    public func claims(_ envelope: String) -> Bool {
        envelope.hasPrefix(Self.prefix)
    }
}
