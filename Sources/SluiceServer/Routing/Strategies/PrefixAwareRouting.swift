/// Requests whose prompts start alike go to the same deployment, where the shared prefix is
/// already in the KV cache (vLLM's and SGLang's prefix caching), so the prompt is not computed
/// again. A deployment keeps taking a prefix only while its requests in flight stay within
/// `loadBound` times the average (consistent hashing with bounded loads, Mirrokni et al.);
/// past that the prefix spills to the next deployment in its hash order.
struct PrefixAwareRouting: RoutingStrategy {
    let loadBound: Double

    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        guard let key = request.prefixKey, deployments.count > 1 else {
            return LeastRequestsRouting().order(deployments, for: request)
        }
        let ranked = RendezvousHash.order(deployments, key: key)
        let loads = ranked.map { $0.health.snapshot.inFlight }
        let average = Double(loads.reduce(0, +) + 1) / Double(ranked.count)
        let bound = max(1, Int((average * self.loadBound).rounded(.up)))
        let withinBound = ranked.indices.filter { loads[$0] < bound }.map { ranked[$0] }
        let overloaded = ranked.indices.filter { loads[$0] >= bound }.map { ranked[$0] }
        return withinBound + overloaded
    }
}
