import NIOCore
import NIOHTTPTypes

/// Closes a client connection as soon as the client stops sending (its FIN), so that the
/// connection's close future fires at once and the request in flight (a stream, typically) can
/// cancel its upstream call. Hummingbird keeps half-closed connections open and only notices a
/// departed client when a later write fails; nginx likewise treats a client's FIN during a
/// proxied request as the client leaving.
final class ClientHangUpHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
