import AsyncAlgorithms
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SluiceCore
import SluiceProviders

/// Reads model servers' own load at every interval from the deployments' `metrics_url` (vLLM's
/// and SGLang's Prometheus `/metrics`): requests waiting in the server's queue and KV-cache use.
/// A reading stays valid for three intervals; a server that stops answering simply drops out of
/// the signal, and routing goes on with the gateway's own counts.
struct BackendMetricsScraper: Service {
    /// Whose deployments to read: those of the runtime active at each round.
    let active: ActiveRuntime
    let client: UpstreamHTTPClient
    let interval: Duration
    let logger: Logger

    /// Queue-depth gauges, by server.
    static let waitingMetrics: Set<String> = ["vllm:num_requests_waiting", "sglang:num_queue_reqs"]
    /// KV-cache use (0 to 1), by server.
    static let cacheMetrics: Set<String> = ["vllm:gpu_cache_usage_perc", "vllm:kv_cache_usage_perc", "sglang:token_usage"]

    func run() async throws {
        for try await _ in AsyncTimerSequence(interval: self.interval, clock: .continuous).cancelOnGracefulShutdown() {
            let targets = self.active.current.catalog.allDeployments.compactMap { deployment in
                deployment.config.metricsURL.flatMap(UpstreamOrigin.init(baseURL:)).map { (deployment, $0) }
            }
            await withTaskGroup(of: Void.self) { group in
                for (deployment, origin) in targets {
                    group.addTask { await self.scrape(deployment, origin) }
                }
            }
        }
    }

    func scrape(_ deployment: Deployment, _ origin: UpstreamOrigin) async {
        var headers = HTTPHeaders()
        headers.add(name: "host", value: origin.hostHeader)
        headers.add(name: "accept", value: "text/plain")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: origin.basePath.isEmpty ? "/" : origin.basePath, headers: headers)
        let deadline = NIODeadline.now() + TimeAmount(self.interval)
        do {
            let response = try await self.client.execute(origin: origin, head: head, body: ByteBuffer(), deadline: deadline, streaming: false)
            guard (200..<300).contains(response.status), case .complete(let body) = response.body else { return }
            let sums = PrometheusText.sums(of: Self.waitingMetrics.union(Self.cacheMetrics), in: String(buffer: body))
            deployment.health.update(DeploymentHealth.BackendLoad(
                waiting: Self.waiting(Self.waitingMetrics.compactMap { sums[$0] }), kvCacheUsage: Self.cacheUsage(Self.cacheMetrics.compactMap { sums[$0] }),
                validUntil: .now() + TimeAmount(self.interval * 3)
            ))
        } catch {
            self.logger.debug("metrics scrape failed", metadata: ["deployment": .string(deployment.label), "error": "\(error)"])
        }
    }

    /// Requests queued, from the servers' gauges: a server's own numbers may be negative, huge,
    /// infinite or NaN when its exporter is broken; they count within `0...maximumWaiting`.
    static func waiting(_ gauges: [Double]) -> Int {
        let total = gauges.filter { !$0.isNaN }.reduce(0, +)
        return min(max(Int(saturating: total.rounded()), 0), DeploymentHealth.BackendLoad.maximumWaiting)
    }

    /// KV-cache use within `0...1`; nil when no gauge holds a number.
    static func cacheUsage(_ gauges: [Double]) -> Double? {
        gauges.filter { !$0.isNaN }.max().map { min(max($0, 0), 1) }
    }
}
