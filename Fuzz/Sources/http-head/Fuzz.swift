import FuzzSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

// FirstRequestLineSniffer.swift is a link to SluiceServer's own file: that module (Hummingbird,
// BoringSSL, swift-otel, ...) is too heavy to build with sanitizers in CI's budget. The sniffer
// needs only the name of what a connection becomes, given here.

/// The request head as a Sluice connection reads it: the first-request-line sniffer
/// (`FirstRequestLineSniffer`), then NIO's HTTP/1.1 decoder with the limits the gateway sets
/// (Hummingbird's: 80 KiB per field and in all, 1,000 fields) and the conversion to HTTP types
/// (`HTTP1ToHTTPServerCodec`), on an embedded channel. A WebSocket request line is decoded by the
/// same plain pipeline here; the upgrade that follows it in the gateway is not fuzzed.
///
/// Asserts:
/// - the sniffer decides once, `.responsesSocket` exactly for a first line starting
///   `GET /v1/responses` then a space or `?`, and holds bytes back only while they could still be
///   that line;
/// - the bytes arriving in pieces give the same request heads, body bytes, ends and errors as
///   arriving whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let whole = read([input[...]])
    let split = read(pieces(of: input))
    check(whole == split, "reading in pieces differs:\n\(whole)\n---\n\(split)")
    check(whole.kind == expectedKind(input), "the sniffer took \(input.prefix(20)) for \(String(describing: whole.kind))")
    return 0
}

/// What a connection becomes; the gateway's carries the configured channel.
enum GuardedHTTP1Channel {
    enum Negotiated: Sendable { case configured }
}

private struct Reading: Equatable, CustomStringConvertible {
    var kind: FirstRequestLineSniffer.Kind?
    var decisions = 0
    var parts: [String] = []

    var description: String { "kind \(String(describing: self.kind)), \(self.decisions) decisions, parts:\n" + self.parts.joined(separator: "\n") }
}

private func read(_ chunks: [ArraySlice<UInt8>]) -> Reading {
    let channel = EmbeddedChannel()
    let recorder = PartRecorder()
    var reading = Reading()
    let negotiated = channel.eventLoop.makePromise(of: GuardedHTTP1Channel.Negotiated.self)
    let sniffer = FirstRequestLineSniffer(negotiated: negotiated) { kind in
        reading.kind = kind
        reading.decisions += 1
        let pipeline = channel.pipeline.syncOperations
        try pipeline.configureHTTPServerPipeline(
            position: .before(recorder), withPipeliningAssistance: false, withErrorHandling: false,
            withOutboundHeaderValidation: false, withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits
        )
        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false), position: .before(recorder))
        return channel.eventLoop.makeSucceededFuture(.configured)
    }
    do {
        try channel.pipeline.syncOperations.addHandlers([sniffer, recorder])
        // The gateway closes a connection at its first decoding error, so reading stops there.
        for chunk in chunks where !recorder.failed { try channel.writeInbound(channel.allocator.buffer(bytes: chunk)) }
    } catch {
        recorder.record("thrown \(error)")
    }
    negotiated.futureResult.whenFailure { _ in }
    _ = try? channel.finish()
    reading.parts = recorder.parts
    return reading
}

/// What the sniffer must make of a connection that starts with `input`, nil while undecided.
private func expectedKind(_ input: [UInt8]) -> FirstRequestLineSniffer.Kind? {
    let line = Array("GET /v1/responses".utf8)
    guard input.count > line.count else { return line.starts(with: input) ? nil : .plain }
    guard input.starts(with: line) else { return .plain }
    return input[line.count] == UInt8(ascii: " ") || input[line.count] == UInt8(ascii: "?") ? .responsesSocket : .plain
}

/// Hummingbird's decoder limits, which `GuardedHTTP1Channel` gives NIO's decoder.
private let decoderLimits: NIOHTTPDecoderLimitConfiguration = {
    var limits = NIOHTTPDecoderLimitConfiguration()
    limits.maxHeaderFieldSize = 80 * 1024
    limits.maxHeaderListSize = 80 * 1024
    limits.maxHeaderFieldCount = 1000
    return limits
}()

/// Writes down the request parts that reach the end of the pipeline, body bytes joined.
private final class PartRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTPRequestPart

    private(set) var parts: [String] = []
    private(set) var failed = false
    private var body: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.flushBody()
            self.parts.append("head \(head.method) \(head.scheme ?? "-") \(head.authority ?? "-") \(head.path ?? "-") \(head.headerFields)")
        case .body(let buffer):
            self.body += buffer.readableBytesView
        case .end(let trailers):
            self.flushBody()
            self.parts.append("end \(String(describing: trailers))")
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.record("error \(error)")
    }

    /// Records the first error; what follows it the gateway never reads.
    func record(_ failure: String) {
        guard !self.failed else { return }
        self.failed = true
        self.flushBody()
        self.parts.append(failure)
    }

    private func flushBody() {
        guard !self.body.isEmpty else { return }
        self.parts.append("body \(self.body.count) bytes, hash \(self.body.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 })")
        self.body = []
    }
}
