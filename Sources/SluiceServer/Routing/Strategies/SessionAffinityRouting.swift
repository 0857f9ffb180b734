/// The same session key always lands on the same deployment (rendezvous hashing: the highest
/// hash of key and deployment wins), so a conversation keeps its warm KV and prompt caches;
/// when that deployment is unavailable the next-highest takes over and the rest stay put.
/// Requests without a key are spread by weight.
struct SessionAffinityRouting: RoutingStrategy {
    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        guard let key = request.sessionKey, deployments.count > 1 else {
            return WeightedRouting().order(deployments, for: request)
        }
        return deployments.sorted { Self.hash(key, $0.index) > Self.hash(key, $1.index) }
    }

    /// FNV-1a of the key and the deployment's index, stable across processes.
    static func hash(_ key: String, _ index: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        for shift in stride(from: 0, to: 64, by: 8) { hash = (hash ^ UInt64((index >> shift) & 0xFF)) &* 0x100_0000_01b3 }
        return hash
    }
}
