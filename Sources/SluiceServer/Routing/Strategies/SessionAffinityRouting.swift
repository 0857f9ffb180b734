/// The same session key always lands on the same deployment (rendezvous hashing: the highest
/// hash of key and deployment wins), so a conversation keeps its warm KV and prompt caches;
/// when that deployment is unavailable the next-highest takes over and the rest stay put.
/// Requests without a key are spread by weight.
struct SessionAffinityRouting: RoutingStrategy {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        guard let key = request.sessionKey, deployments.count > 1 else {
            return WeightedRouting().order(deployments, for: request)
        }
        return RendezvousHash.order(deployments, key: RendezvousHash.key(key.utf8))
    }
}
