import HTTPTypes
import Hummingbird
import NIOCore
import NIOWebSocket
import SluiceCore
import WSCore

/// Writes one turn's answer to a Responses WebSocket: the body of the `POST /v1/responses` it
/// stands for, a server-sent event stream, goes out one event per text message (each event's
/// `data`, the same JSON the stream carries); an answer that is not a stream (a refusal) is held
/// whole and sent with ``send(whole:status:)``. Events echo the turn's `stream_id` lane.
final class ResponsesSocketEventWriter: ResponseBodyWriter {
    private let outbound: WebSocketOutboundWriter
    /// `"stream_id":"…",` to splice after each event's opening brace, when the turn named a lane.
    private let lane: [UInt8]
    private let cutsEvents: Bool
    /// Bytes of an event not yet complete, or the whole answer when it is not a stream.
    private var pending = ByteBuffer()
    /// The response object of the stream's final event (`response.completed` or
    /// `response.incomplete`), once sent.
    private(set) var finalResponse: [UInt8]?

    init(outbound: WebSocketOutboundWriter, streamID: String?, cutsEvents: Bool) {
        self.outbound = outbound
        var lane: [UInt8] = []
        if let streamID {
            lane.append(contentsOf: #""stream_id":"#.utf8)
            JSONString.appendQuoted(streamID, to: &lane)
            lane.append(UInt8(ascii: ","))
        }
        self.lane = lane
        self.cutsEvents = cutsEvents
    }

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.pending.writeBuffer(&buffer)
        guard self.cutsEvents else { return }
        for event in self.completeEvents() { try await self.send(event) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}

    /// Sends the held answer: as it is when it succeeded, as an `error` event when it is an error.
    func send(whole status: HTTPResponse.Status) async throws {
        let body = Array(self.pending.readableBytesView)
        self.pending.clear()
        if status.kind == .successful {
            try await self.send(body)
        } else {
            try await self.send(Self.errorEvent(status: status.code, body: body))
        }
    }

    /// Sends `error` as an `error` event.
    func send(_ error: GatewayError) async throws {
        try await self.send(Self.errorEvent(status: error.status, body: Array(error.jsonBody.utf8)))
    }

    /// The data of each complete event in `pending`, taken out of it; comments, events without
    /// data and the chat stream's `[DONE]` carry nothing for a WebSocket.
    private func completeEvents() -> [[UInt8]] {
        var events: [[UInt8]] = []
        let consumed = self.pending.withUnsafeReadableBytes { bytes -> Int in
            var start = 0
            while let (end, next) = SSEFraming.nextEventEnd(in: bytes, from: start) {
                let event = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                let fields = SSEFraming.parse(event)
                let data = fields.data(in: event)
                if !data.isEmpty, !data.elementsEqual("[DONE]".utf8) { events.append(data) }
                if fields.name == "response.completed" || fields.name == "response.incomplete" { self.finalResponse = Self.response(in: data) }
                start = next
            }
            return start
        }
        self.pending.moveReaderIndex(forwardBy: consumed)
        self.pending.discardReadBytes()
        return events
    }

    /// The `response` object of an event's data.
    private static func response(in data: [UInt8]) -> [UInt8]? {
        data.withUnsafeBytes { bytes in
            guard let response = (try? JSONScanner.topLevelMembers(of: bytes))?.member("response"), response.kind == .object else { return nil }
            return Array(UnsafeRawBufferPointer(rebasing: bytes[response.value]))
        }
    }

    private func send(_ message: [UInt8]) async throws {
        var frame = ByteBuffer()
        if !self.lane.isEmpty, message.first == UInt8(ascii: "{"), message.count > 2 {
            frame.reserveCapacity(message.count + self.lane.count)
            frame.writeInteger(UInt8(ascii: "{"))
            frame.writeBytes(self.lane)
            frame.writeBytes(message.dropFirst())
        } else {
            frame.writeBytes(message)
        }
        try await self.outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame)))
    }

    /// OpenAI's WebSocket error event, `{"type":"error","status":…,"error":{…}}`, from an error
    /// answer in the OpenAI error shape (`{"error":{…}}`).
    static func errorEvent(status: Int, body: [UInt8]) -> [UInt8] {
        var event = Array(#"{"type":"error","status":\#(status),"error":"#.utf8)
        let error: [UInt8]? = body.withUnsafeBytes { bytes in
            guard let members = try? JSONScanner.topLevelMembers(of: bytes), let member = members.member("error"), member.kind == .object else { return nil }
            return Array(UnsafeRawBufferPointer(rebasing: bytes[member.value]))
        }
        if let error {
            event.append(contentsOf: error)
        } else {
            let message = String(decoding: body.prefix(512), as: UTF8.self)
            event.append(contentsOf: #"{"type":"server_error","code":null,"param":null,"message":"#.utf8)
            JSONString.appendQuoted(message.isEmpty ? "The request failed." : message, to: &event)
            event.append(UInt8(ascii: "}"))
        }
        event.append(UInt8(ascii: "}"))
        return event
    }
}
