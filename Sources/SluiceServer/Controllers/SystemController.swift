import Hummingbird
import NIOCore
import SluiceCore

/// Liveness, readiness and the model list.
struct SystemController {
    let state: GatewayState
    let catalog: ModelCatalog

    /// `GET /health`: the process is up.
    func health(_ request: Request, context: SluiceRequestContext) -> Response {
        Self.json(#"{"status":"ok"}"#)
    }

    /// `GET /ready`: the gateway takes new requests (503 once draining), with each deployment's
    /// breaker state and load.
    func ready(_ request: Request, context: SluiceRequestContext) -> Response {
        let status = self.state.isDraining ? "draining" : "ready"
        let body = #"{"status":"\#(status)","deployments":\#(self.deploymentList())}"#
        return Self.json(body, status: self.state.isDraining ? .serviceUnavailable : .ok)
    }

    /// Every deployment with its breaker state, load, latency estimate and backend load, as a JSON array.
    func deploymentList() -> String {
        let now = NIODeadline.now()
        let deployments = self.catalog.allRoutes.flatMap { route in
            route.deployments.map { deployment in
                let snapshot = deployment.health.snapshot
                return #"{"model":\#(JSONString.quoted(route.name)),"deployment":\#(JSONString.quoted(deployment.label)),"#
                    + #""state":"\#(snapshot.breaker.phase(at: now).rawValue)","in_flight":\#(snapshot.inFlight),"#
                    + #""outstanding_tokens":\#(snapshot.outstandingTokens),"latency_ms":\#(Int(snapshot.latency * 1000)),"#
                    + #""waiting":\#(snapshot.waiting),"kv_cache_usage":\#(snapshot.kvCacheUsage.map { "\($0)" } ?? "null")}"#
            }
        }
        return "[\(deployments.joined(separator: ","))]"
    }

    /// `GET /v1/models`: the public model names in OpenAI's list shape.
    func models(_ request: Request, context: SluiceRequestContext) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: self.catalog.modelList))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
