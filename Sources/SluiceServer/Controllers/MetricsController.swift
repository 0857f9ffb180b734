import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition, unauthenticated like a model server's.
struct MetricsController {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let metrics: GatewayMetrics
    let catalog: ModelCatalog

    func scrape(_ request: Request, context: SluiceRequestContext) -> Response {
        let now = NIODeadline.now()
        let breakers = self.catalog.allRoutes.flatMap { route in
            route.deployments.map { deployment in
                GatewayMetrics.BreakerReading(model: route.name, deployment: deployment.label, phase: deployment.health.snapshot.breaker.phase(at: now))
            }
        }
        let body = self.metrics.exposition(breakers: breakers)
        return Response(status: .ok, headers: [.contentType: Self.contentType], body: ResponseBody(byteBuffer: body))
    }
}
