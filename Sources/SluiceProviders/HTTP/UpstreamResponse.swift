import NIOCore
import NIOHTTP1

/// An upstream's answer: status and headers, and the body whole or as it arrives.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    public enum Body: Sendable {
        /// The whole body, for calls made with `streaming: false`.
        case complete(ByteBuffer)
        /// Body parts as they arrive; stopping the iteration early closes the connection.
        case stream(AsyncThrowingStream<ByteBuffer, any Error>)
    }
}
