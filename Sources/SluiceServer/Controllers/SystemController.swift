import Hummingbird
import NIOCore
import SluiceCore
import SluiceTranslation

/// Liveness, readiness and the model list.
struct SystemController {
    let state: GatewayState
    let catalog: ModelCatalog
    let governance: Governance?

    /// `GET /health`: the process is up.
    func health(_ request: Request, context: SluiceRequestContext) -> Response {
        Self.json(#"{"status":"ok"}"#)
    }

    /// `GET /ready`: the gateway takes new requests (503 once draining), with each deployment's
    /// breaker state and load, and the governance store's state (whether it answers, and the
    /// ledger rows held back while it does not).
    func ready(_ request: Request, context: SluiceRequestContext) -> Response {
        let status = self.state.isDraining ? "draining" : "ready"
        let store = self.governance.map { #","store":\#(Self.storeState($0))"# } ?? ""
        let body = #"{"status":"\#(status)","deployments":\#(self.deploymentList())\#(store)}"#
        return Self.json(body, status: self.state.isDraining ? .serviceUnavailable : .ok)
    }

    /// The store as a JSON object: `state` (`reachable` or `unreachable`), since when and why it
    /// is not, and the ledger's backlog.
    static func storeState(_ governance: Governance) -> String {
        let health = governance.health.status
        let backlog = governance.ledger.backlog
        let outage = health.unreachableSince.map { since in
            #","unreachable_since":\#(since),"error":\#(JSONString.quoted(health.error ?? ""))"#
        } ?? ""
        return #"{"state":"\#(health.unreachableSince == nil ? "reachable" : "unreachable")"\#(outage),"#
            + #""ledger":{"buffered_rows":\#(backlog.bufferedRows),"spilled_batches":\#(backlog.spilledBatches),"dropped_rows":\#(backlog.droppedRows)}}"#
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

    /// `GET /v1/models`: the public model names in OpenAI's list shape, or in Anthropic's (paged)
    /// when the request carries `anthropic-version`.
    func models(_ request: Request, context: SluiceRequestContext) -> Response {
        guard request.headers[.anthropicVersion] != nil else {
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: self.catalog.modelList))
        }
        let query = request.uri.queryParameters
        do throws(GatewayError) {
            let page = try self.listing.anthropicPage(
                limit: query["limit"].map(String.init), afterID: query["after_id"].map(String.init), beforeID: query["before_id"].map(String.init)
            )
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: page))
        } catch {
            return Self.anthropicError(error, context: context)
        }
    }

    /// `GET /v1/models/{id}`: one model, in Anthropic's shape when the request carries
    /// `anthropic-version`, else OpenAI's; 404 in the same dialect for a model the config lacks.
    func model(_ request: Request, context: SluiceRequestContext) throws -> Response {
        let id = context.parameters.getCatchAll().joined(separator: "/")
        let anthropic = request.headers[.anthropicVersion] != nil
        guard let body = anthropic ? self.listing.anthropicModel(id) : self.listing.openAIModel(id) else {
            guard anthropic else { throw GatewayError.unknownModel(id) }
            return Self.anthropicError(.unknownModel(id), context: context)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
    }

    private var listing: ModelListing {
        ModelListing(names: self.catalog.allRoutes.map(\.name), created: self.catalog.created)
    }

    /// `error` in Anthropic's shape, for a client that sent `anthropic-version`.
    private static func anthropicError(_ error: GatewayError, context: SluiceRequestContext) -> Response {
        let body = AnthropicErrorMapping.body(for: error, requestID: context.requestID)
        return Response(status: .init(code: error.status), headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
