import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SluiceConfig

/// Hummingbird's HTTP/1.1 child channel with the gateway's connection limits: a connection past
/// its address's cap is closed before any handler is set up, and every other one gets a
/// ``ConnectionGuardHandler`` (with its byte tap first in the pipeline) and a ``ClientHangUpHandler``.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    let addresses: ClientAddressCap

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        guard self.addresses.admit(address) else {
            logger.debug("refusing a connection past its address's cap", metadata: ["client": "\(address)", "cap": "\(self.addresses.limit)"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionCapReached())
        }
        let addresses = self.addresses
        channel.closeFuture.whenComplete { _ in addresses.release(address) }
        let deadlines = ConnectionDeadlines(
            headerRead: TimeAmount(self.limits.headerReadTimeout), bodyRead: TimeAmount(self.limits.bodyReadTimeout),
            keepAlive: TimeAmount(self.limits.keepAliveTimeout), openedAt: .now()
        )
        let connectionGuard = NIOLoopBound(ConnectionGuardHandler(limits: deadlines, logger: logger), eventLoop: channel.eventLoop)
        do {
            try channel.pipeline.syncOperations.addHandler(connectionGuard.value.byteTap, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let http = HTTP1Channel(
            responder: self.responder, configuration: .init(additionalChannelHandlers: [ClientHangUpHandler(), connectionGuard.value])
        )
        return http.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: self.responder).handle(value: value, logger: logger)
    }
}

/// A connection closed because its client address already has as many open as it may.
struct ConnectionCapReached: Error {}
