import NIOCore
import SluiceCore

/// What a Responses WebSocket connection remembers of its most recent response made with
/// `store: false`. OpenAI keeps a connection's latest response in memory so that a client that
/// stores nothing (Codex does so) can still continue it with `previous_response_id` on the same
/// connection; Sluice does the same. The conversation is never written to the store and is gone
/// with the connection; a stored response is continued from the store as over HTTP.
struct ResponsesSocketMemory {
    /// The most bytes of conversation remembered: the request body limit, since the conversation
    /// goes into the turn's body before the gateway reads it.
    let maxBytes: Int
    private var last: (id: String, items: [[UInt8]])?

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// The turn's body with the remembered conversation brought into its `input` when it
    /// continues the remembered response; otherwise the body as it came.
    func expanding(_ body: ByteBuffer) -> ByteBuffer {
        guard let last, let turn = try? ResponsesTurn(clientBody: body, responseID: "", createdAt: 0), turn.previousResponseID == last.id else {
            return body
        }
        return turn.continuing(last.items)
    }

    /// Remembers the response that ended the turn sent as `body` (as expanded, so its input holds
    /// the whole conversation before it), when the client asked not to store it.
    mutating func remember(turn body: ByteBuffer, response: [UInt8]) {
        self.last = nil
        guard let turn = try? ResponsesTurn(clientBody: body, responseID: "", createdAt: 0), !turn.store,
            let id = response.withUnsafeBytes({ bytes in
                (try? JSONScanner.topLevelMembers(of: bytes))?.member("id").flatMap { JSONValueReader.string($0, in: bytes) }
            })
        else { return }
        let items = ResponseItems.elements(ofArray: turn.inputItems) + ResponseItems.output(ofResponse: response)
        guard items.reduce(0, { $0 + $1.count }) <= self.maxBytes else { return }
        self.last = (id, items)
    }
}
