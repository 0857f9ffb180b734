import Synchronization

/// Requests whose prompts start alike go where the shared prefix is already in the KV cache
/// (vLLM's and SGLang's prefix caching), so the prompt is not computed again.
///
/// Each prefix key has a home (``PrefixHomes``: rendezvous hashing with a bound on the keys per
/// deployment, so no server's cache gets more than its share of prefixes). A deployment is
/// passed over when it is clearly busier than the least loaded one: by more than `loadSlack`
/// requests in flight and by more than `loadBound` times (the rule of SGLang's cache-aware
/// router). A request goes to the least loaded of the deployments that are not passed over and
/// are warm for its prefix (its home, and any that got the prefix recently); when none is, to
/// the next deployment in the prefix's own order that is not passed over, which warms a second
/// home for a prefix too popular for one.
final class PrefixAwareRouting: RoutingStrategy {
    /// Keys remembered per model; a forgotten key gets a home again when it returns.
    static let rememberedKeys = 4096
    /// No deployment is home to more than this many times the average number of keys.
    static let keyBalance = 1.25

    let loadBound: Double
    let loadSlack: Int
    private let homes = Mutex(PrefixHomes(capacity: PrefixAwareRouting.rememberedKeys, balance: PrefixAwareRouting.keyBalance))

    init(loadBound: Double, loadSlack: Int) {
        self.loadBound = loadBound
        self.loadSlack = loadSlack
    }

    func order(_ deployments: [Deployment], for request: RoutingInput) -> [Deployment] {
        guard let key = request.prefixKey, deployments.count > 1 else {
            return LeastRequestsRouting().order(deployments, for: request)
        }
        let ranked = RendezvousHash.order(deployments, key: key)
        let loads = ranked.map(\.health.snapshot.load)
        let least = loads.min() ?? 0
        func fits(_ position: Int) -> Bool {
            loads[position] - least <= self.loadSlack || Double(loads[position]) <= Double(least) * self.loadBound
        }
        return self.homes.withLock { homes in
            let (home, warm) = homes.locate(key, ranked: ranked.map(\.index))
            // The home first, then the prefix's rendezvous order.
            let positions = ranked.indices.sorted { (ranked[$0].index == home ? 0 : 1, $0) < (ranked[$1].index == home ? 0 : 1, $1) }
            let warmFits = positions.filter { fits($0) && (ranked[$0].index == home || warm.contains(ranked[$0].index)) }
                .sorted { (loads[$0], positions.firstIndex(of: $0) ?? 0) < (loads[$1], positions.firstIndex(of: $1) ?? 0) }
            let order = warmFits + positions.filter { fits($0) && !warmFits.contains($0) } + positions.filter { !fits($0) }
            homes.send(key, to: ranked[order[0]].index)
            return order.map { ranked[$0] }
        }
    }
}
