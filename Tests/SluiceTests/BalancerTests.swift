import NIOCore
import SluiceConfig
import SluiceProviders
import Testing

@testable import SluiceServer

@Suite("Balancers, breakers and the retry budget")
struct BalancerTests {
    private func deployments(_ specs: [(weight: Double, price: Double)]) -> [Deployment] {
        specs.enumerated().map { index, spec in
            let config = DeploymentConfig(
                settings: .mock(MockSettings()), upstreamModel: "m\(index)", weight: spec.weight, price: Price(inputPerMillion: spec.price)
            )
            return Deployment(
                index: index, config: config, provider: MockProvider(settings: MockSettings(), publicModel: "m"),
                health: DeploymentHealth(breaker: CircuitBreaker(failureThreshold: 3, initialOpenFor: .seconds(1), maximumOpenFor: .seconds(4)))
            )
        }
    }

    private let input = RoutingInput(estimatedTokens: 100)

    @Test func weightedRoutingFollowsTheWeights() {
        let pool = self.deployments([(3, 0), (1, 0)])
        let firsts = (0..<4000).map { _ in WeightedRouting().order(pool, for: self.input)[0].index }
        let share = Double(firsts.filter { $0 == 0 }.count) / 4000
        #expect(abs(share - 0.75) < 0.04, "share \(share)")
    }

    @Test func leastRequestsAndLeastTokensAvoidTheBusyDeployment() throws {
        let pool = self.deployments([(1, 0), (1, 0)])
        let lease = try #require(RoutingLease(deployment: pool[0], tokens: 5000))
        #expect(LeastRequestsRouting().order(pool, for: self.input).first?.index == 1)
        #expect(LeastTokensRouting().order(pool, for: self.input).first?.index == 1)
        lease.release(.success(latency: nil))
        #expect(pool[0].health.snapshot.inFlight == 0)
    }

    @Test func latencyRoutingPrefersTheFasterDeployment() throws {
        let pool = self.deployments([(1, 0), (1, 0)])
        try #require(RoutingLease(deployment: pool[0], tokens: 1)).release(.success(latency: 2.0))
        try #require(RoutingLease(deployment: pool[1], tokens: 1)).release(.success(latency: 0.2))
        let firsts = (0..<100).map { _ in LatencyRouting().order(pool, for: self.input)[0].index }
        #expect(firsts.allSatisfy { $0 == 1 })
    }

    @Test func sessionsStickToOneDeploymentAndSpreadAcrossAll() {
        let pool = self.deployments([(1, 0), (1, 0), (1, 0)])
        let first = SessionAffinityRouting().order(pool, for: RoutingInput(estimatedTokens: 1, sessionKey: "conversation-7"))[0].index
        for _ in 0..<20 {
            #expect(SessionAffinityRouting().order(pool, for: RoutingInput(estimatedTokens: 1, sessionKey: "conversation-7"))[0].index == first)
        }
        let spread = Set((0..<60).map { SessionAffinityRouting().order(pool, for: RoutingInput(estimatedTokens: 1, sessionKey: "c\($0)"))[0].index })
        #expect(spread == [0, 1, 2])
    }

    @Test func sharedPrefixesStickToOneDeploymentUntilItIsLoadedPastTheBound() throws {
        let pool = self.deployments([(1, 0), (1, 0), (1, 0)])
        let routing = PrefixAwareRouting(loadBound: 1.5, loadSlack: 2)
        let prefix = RoutingInput(estimatedTokens: 1, prefixKey: RendezvousHash.key("You are a helpful assistant for ACME".utf8))
        let home = routing.order(pool, for: prefix)[0].index
        #expect((0..<10).allSatisfy { _ in routing.order(pool, for: prefix)[0].index == home })
        // Load the home deployment past 1.5 x and 2 more than the least loaded: the prefix spills.
        let leases = try (0..<3).map { _ in try #require(RoutingLease(deployment: pool[home], tokens: 1)) }
        #expect(routing.order(pool, for: prefix)[0].index != home)
        leases.forEach { $0.release(.success(latency: nil)) }
        #expect(routing.order(pool, for: prefix)[0].index == home, "and comes back once the load drops")
        let homes = Set((0..<60).map { routing.order(pool, for: RoutingInput(estimatedTokens: 1, prefixKey: UInt64($0) &* 0x9E37_79B9))[0].index })
        #expect(homes == [0, 1, 2], "different prefixes spread over every deployment")
    }

    @Test func costRoutingTriesTheCheapestFirst() {
        let pool = self.deployments([(1, 5), (1, 0.5), (1, 2)])
        #expect(CostRouting().order(pool, for: self.input).map(\.index) == [1, 2, 0])
    }

    @Test func theBreakerOpensProbesAndBacksOff() {
        var breaker = CircuitBreaker(failureThreshold: 2, initialOpenFor: .seconds(1), maximumOpenFor: .seconds(3))
        let start = NIODeadline.now()
        var admitted: [Bool] = []
        breaker.recordFailure(at: start)
        admitted.append(breaker.admit(at: start))
        breaker.recordFailure(at: start)
        admitted.append(breaker.admit(at: start + .milliseconds(500)))
        // The first request after the open time is the probe, and only one probe goes at a time.
        admitted.append(breaker.admit(at: start + .seconds(1)))
        admitted.append(breaker.admit(at: start + .seconds(1)))
        #expect(admitted == [true, false, true, false])
        breaker.recordFailure(at: start + .seconds(1))
        #expect(breaker.reopensAt == start + .seconds(3), "a failed probe doubles the open time")
        admitted = [breaker.admit(at: start + .seconds(3))]
        breaker.recordFailure(at: start + .seconds(3))
        #expect(breaker.reopensAt == start + .seconds(6), "capped at the maximum")
        admitted.append(breaker.admit(at: start + .seconds(6)))
        breaker.recordSuccess()
        #expect(admitted == [true, true])
        #expect(breaker.state == .closed(failures: 0))
    }

    @Test func anAbandonedProbeFreesTheProbeSlot() {
        var breaker = CircuitBreaker(failureThreshold: 1, initialOpenFor: .seconds(1), maximumOpenFor: .seconds(1))
        let start = NIODeadline.now()
        breaker.recordFailure(at: start)
        let probe = breaker.admit(at: start + .seconds(1))
        breaker.recordAbandoned(at: start + .seconds(1))
        let nextProbe = breaker.admit(at: start + .seconds(1))
        #expect(probe && nextProbe)
    }

    @Test func aDroppedLeaseReleasesItself() {
        let pool = self.deployments([(1, 0)])
        var lease = RoutingLease(deployment: pool[0], tokens: 50)
        #expect(lease != nil && pool[0].health.snapshot.inFlight == 1)
        lease = nil
        #expect(pool[0].health.snapshot.inFlight == 0)
        #expect(pool[0].health.snapshot.outstandingTokens == 0)
    }

    @Test func theRetryBudgetCapsRetriesToAShareOfRequests() {
        let budget = RetryBudget(ratio: 0.1, minimumPerSecond: 2)
        let now = NIODeadline.now()
        #expect(budget.withdraw(at: now) && budget.withdraw(at: now), "the floor per second")
        #expect(!budget.withdraw(at: now))
        for _ in 0..<20 { budget.recordRequest() }
        #expect(budget.withdraw(at: now) && budget.withdraw(at: now), "20 requests earn 2 retries")
        #expect(!budget.withdraw(at: now))
        #expect(budget.withdraw(at: now + .seconds(1)), "the floor renews each second")
    }
}
