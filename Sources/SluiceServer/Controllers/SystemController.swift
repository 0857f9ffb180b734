import Hummingbird
import NIOCore

/// Liveness, readiness and the model list.
struct SystemController {
    let state: GatewayState
    let catalog: ModelCatalog

    /// `GET /health`: the process is up.
    func health(_ request: Request, context: SluiceRequestContext) -> Response {
        Self.json(#"{"status":"ok"}"#)
    }

    /// `GET /ready`: the gateway takes new requests; 503 once draining.
    func ready(_ request: Request, context: SluiceRequestContext) -> Response {
        guard !self.state.isDraining else {
            return Self.json(#"{"status":"draining"}"#, status: .serviceUnavailable)
        }
        return Self.json(#"{"status":"ready"}"#)
    }

    /// `GET /v1/models`: the public model names in OpenAI's list shape.
    func models(_ request: Request, context: SluiceRequestContext) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: self.catalog.modelList))
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
