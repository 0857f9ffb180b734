import Hummingbird
import NIOCore
import SluiceCore
import SluiceStore

/// The stored-response routes of OpenAI's Responses API, each scoped to the caller's tenant (a
/// response of another tenant is "not found", never revealed):
/// - `GET /v1/responses/{id}`: the response object as it was answered;
/// - `GET /v1/responses/{id}/input_items`: its own input items, a page at a time;
/// - `DELETE /v1/responses/{id}`;
/// - `POST /v1/responses/{id}/cancel`: OpenAI cancels only background responses, which Sluice
///   does not have; a stored response is answered as OpenAI answers a synchronous one (400), and
///   a running response stops when its client disconnects.
struct ResponsesController {
    let log: ResponseLog

    func register(on group: RouterGroup<SluiceRequestContext>) {
        group.get("responses/:id") { request, context in
            let query = Self.query(request)
            if query["stream"] == "true" {
                throw GatewayError.invalidRequest(
                    "Only responses created with background=true can be streamed again; this gateway has no background mode.", param: "stream"
                )
            }
            let response = try await self.stored(context)
            return Self.json(response.response)
        }
        group.get("responses/:id/input_items") { request, context in
            let list = try InputItemList(query: Self.query(request))
            return Self.json(try list.page(of: try await self.stored(context)))
        }
        group.delete("responses/:id") { _, context in
            let id = try Self.responseID(context)
            guard try await self.log.delete(id: id, owner: ResponseOwner(context.caller)) else { throw GatewayError.responseNotFound(id) }
            return Self.json(Array(#"{"id":\#(JSONString.quoted(id)),"object":"response.deleted","deleted":true}"#.utf8))
        }
        group.post("responses/:id/cancel") { _, context -> Response in
            let id = try Self.responseID(context)
            guard try await self.log.find(id: id, owner: ResponseOwner(context.caller)) != nil else { throw GatewayError.responseNotFound(id) }
            throw GatewayError.cannotCancelSynchronousResponse
        }
    }

    /// The caller's tenant's stored response the path names.
    private func stored(_ context: SluiceRequestContext) async throws -> StoredResponse {
        let id = try Self.responseID(context)
        guard let response = try await self.log.find(id: id, owner: ResponseOwner(context.caller)) else { throw GatewayError.responseNotFound(id) }
        return response
    }

    /// The path's id, checked before it is looked up or echoed.
    private static func responseID(_ context: SluiceRequestContext) throws -> String {
        let id = try context.parameters.require("id")
        guard ResponseID.isWellFormed(id) else { throw GatewayError.malformedResponseID(id, param: "response_id") }
        guard id.hasPrefix("resp") else { throw GatewayError.notAResponseID(id) }
        return id
    }

    /// The query's parameters; of one named twice, the last.
    private static func query(_ request: Request) -> [String: String] {
        Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { _, last in last })
    }

    private static func json(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
