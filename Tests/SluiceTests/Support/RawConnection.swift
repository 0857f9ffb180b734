import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A bare TCP connection for tests that play a misbehaving HTTP client: a trickled head, a
/// half-sent request, a body the gateway refuses. It keeps what the server sends and whether the
/// server has ended its side.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let state: Received

    static func open(port: Int) async throws -> RawConnection {
        let received = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(received)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, state: received)
    }

    private init(channel: any Channel, state: Received) {
        self.channel = channel
        self.state = state
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Everything the server sent so far.
    var text: String { self.state.value.withLock { $0.text } }

    /// Whether the server closed the connection or shut its sending side.
    var serverEnded: Bool { self.state.value.withLock { $0.ended } }

    /// Waits until the server ends the connection; false if it has not within `limit`.
    func waitUntilServerEnds(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if self.serverEnded { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return self.serverEnded
    }

    /// Waits until the server has sent `fragment` `occurrences` times; false if it has not within `limit`.
    func waitForText(_ fragment: String, occurrences: Int = 1, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if self.text.components(separatedBy: fragment).count > occurrences { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return self.text.components(separatedBy: fragment).count > occurrences
    }

    func close() async {
        try? await self.channel.close()
    }

    private final class Received: Sendable {
        let value = Mutex<(text: String, ended: Bool)>(("", false))
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: Received

        init(_ received: Received) {
            self.received = received
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let text = String(buffer: self.unwrapInboundIn(data))
            self.received.value.withLock { $0.text += text }
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.received.value.withLock { $0.ended = true }
            context.fireChannelInactive()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent { self.received.value.withLock { $0.ended = true } }
            context.fireUserInboundEventTriggered(event)
        }
    }
}
