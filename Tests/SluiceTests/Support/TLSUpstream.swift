import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL

/// An OpenAI-compatible upstream behind TLS with a certificate from the test CA, which requires a
/// client certificate from the test client CA (mutual TLS): it answers chat completions, whole
/// and streamed, and the model list its health probe asks for.
struct TLSUpstream: Sendable {
    let server: RunningServer

    var baseURL: String { "https://127.0.0.1:\(self.server.port)/v1" }

    static func start(_ certificates: TestCertificates) async throws -> TLSUpstream {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.upstream.certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.upstream.key, format: .pem))
        )
        tls.trustRoots = .file(certificates.clientCA.certificate)
        tls.certificateVerification = .noHostnameVerification
        let router = Router()
        router.get("v1/models") { _, _ in
            StubReply.json(#"{"object":"list","data":[{"id":"ok","object":"model","created":1686935002,"owned_by":"stub"}]}"#)
        }
        router.post("v1/chat/completions") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard String(buffer: body).contains(#""stream":true"#) else {
                return StubReply.json(StubShapes.chatCompletion(model: "mtls"))
            }
            let events = StubShapes.chatStream(model: "mtls", includeUsage: false).joined()
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(byteBuffer: ByteBuffer(string: events)))
        }
        return TLSUpstream(server: try await RunningServer.start(router: router, server: try HTTPServerBuilder.tls(.http1(), tlsConfiguration: tls)))
    }

    func stop() async {
        await self.server.stop()
    }
}
