/// Requests whose prompts start alike go to the same deployment, where the shared prefix is
/// already in the KV cache (vLLM's and SGLang's prefix caching), so the prompt is not computed
/// again. Each prefix has a home by rendezvous hashing. The home is passed over only when it is
/// clearly busier than the least loaded deployment: by more than `loadSlack` requests in flight
/// and by more than `loadBound` times (the rule of SGLang's cache-aware router). Then the
/// prefix spills to the next deployment in its own hash order, which warms a second home.
struct PrefixAwareRouting: RoutingStrategy {
    let loadBound: Double
    let loadSlack: Int

    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        guard let key = request.prefixKey, deployments.count > 1 else {
            return LeastRequestsRouting().order(deployments, for: request)
        }
        let ranked = RendezvousHash.order(deployments, key: key).map { (deployment: $0, load: $0.health.snapshot.load) }
        let least = ranked.map(\.load).min() ?? 0
        func overloaded(_ load: Int) -> Bool {
            load - least > self.loadSlack && Double(load) > Double(least) * self.loadBound
        }
        return ranked.filter { !overloaded($0.load) }.map(\.deployment) + ranked.filter { overloaded($0.load) }.map(\.deployment)
    }
}
