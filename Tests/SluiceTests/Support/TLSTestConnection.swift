import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// A TLS client connection that says what its handshake agreed (version, ALPN protocol, the
/// server's certificate) and speaks raw HTTP/1.1 over it, one kept-alive request at a time.
final class TLSTestConnection: Sendable {
    let channel: any Channel
    /// The ALPN protocol the server chose; nil when it chose none.
    let negotiatedProtocol: String?
    private let inbox: Inbox

    /// Connects and completes the handshake.
    /// - Throws: the handshake's failure (a refused TLS version, an untrusted certificate).
    static func open(port: Int, configuration: TLSConfiguration, serverName: String? = nil) async throws -> TLSTestConnection {
        let context = try NIOSSLContext(configuration: configuration)
        let handshake = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: String?.self)
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: handshake.futureResult.eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHandler(Collector(handshake: handshake, inbox: inbox))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        do {
            let negotiated = try await handshake.futureResult.get()
            return TLSTestConnection(channel: channel, negotiatedProtocol: negotiated, inbox: inbox)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private init(channel: any Channel, negotiatedProtocol: String?, inbox: Inbox) {
        self.channel = channel
        self.negotiatedProtocol = negotiatedProtocol
        self.inbox = inbox
    }

    /// The TLS version the handshake agreed.
    func version() async throws -> TLSVersion? {
        try await self.channel.nioSSL_tlsVersion().get()
    }

    /// The server's certificate.
    func serverCertificate() async throws -> NIOSSLCertificate? {
        try await self.channel.nioSSL_peerCertificate().get()
    }

    /// Sends `GET path` on this connection and returns the answer's status line and body; the
    /// connection stays open.
    func get(_ path: String, headers: [String: String] = [:]) async throws -> (status: String, body: String) {
        let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        try await self.channel.writeAndFlush(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(extra)\r\n"))
        for _ in 0..<500 {
            if let answer = self.inbox.takeAnswer() { return answer }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TLSTestConnectionFailure(message: "no complete answer within 5s")
    }

    func close() async {
        try? await self.channel.close()
    }

    /// The decrypted bytes received and not yet taken.
    private final class Inbox: Sendable {
        let bytes = Mutex(ByteBuffer())

        /// The first complete answer received, taken off the buffer; nil while incomplete.
        func takeAnswer() -> (status: String, body: String)? {
            self.bytes.withLock { buffer in
                let text = String(buffer: buffer)
                guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
                let head = text[..<headEnd.lowerBound]
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                let bodyStart = text.utf8.distance(from: text.startIndex, to: headEnd.upperBound)
                guard buffer.readableBytes >= bodyStart + length else { return nil }
                buffer.moveReaderIndex(forwardBy: bodyStart)
                let body = buffer.readString(length: length) ?? ""
                buffer.discardReadBytes()
                return (head.split(separator: "\r\n").first.map(String.init) ?? "", body)
            }
        }
    }

    /// Completes the handshake promise, and keeps the decrypted bytes that arrive.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        let handshake: EventLoopPromise<String?>
        let inbox: Inbox

        init(handshake: EventLoopPromise<String?>, inbox: Inbox) {
            self.handshake = handshake
            self.inbox = inbox
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted(let negotiated) = event { self.handshake.succeed(negotiated) }
            context.fireUserInboundEventTriggered(event)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = self.unwrapInboundIn(data)
            self.inbox.bytes.withLock { $0.writeBuffer(&bytes) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.handshake.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.handshake.fail(ChannelError.eof)
            context.fireChannelInactive()
        }
    }
}

struct TLSTestConnectionFailure: Error {
    let message: String
}
