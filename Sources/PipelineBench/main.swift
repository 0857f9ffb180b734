import SluiceServer

// Times non-streamed requests through the inference pipeline in process (no HTTP) against the
// built-in mock model, with no extra stages and with 10 empty ones (all three hooks each), in
// alternating rounds, and prints the time per request and per stage; then what watching for a
// client's departure adds to a non-streamed request.
// Run built in release: swift run -c release sluice-pipeline-bench

let requestsPerRound = 20_000
let rounds = 9
let stageCount = 10
let plain = try PipelineBenchmark.Subject(emptyStages: 0)
let staged = try PipelineBenchmark.Subject(emptyStages: stageCount)
try await plain.run(requests: 2_000)
try await staged.run(requests: 2_000)

let clock = ContinuousClock()
var plainTimes: [Double] = []
var stagedTimes: [Double] = []
for _ in 0..<rounds {
    for (subject, times) in [(plain, 0), (staged, 1)] {
        let elapsed = try await clock.measure { try await subject.run(requests: requestsPerRound) }
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        if times == 0 { plainTimes.append(nanoseconds / Double(requestsPerRound)) } else { stagedTimes.append(nanoseconds / Double(requestsPerRound)) }
    }
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
let perRequest = median(plainTimes)
let perRequestStaged = median(stagedTimes)
print("requests per round: \(requestsPerRound), rounds: \(rounds)")
print(String(format: "pipeline, no extra stage:   %8.2f µs per request (median round; fastest %.2f)", perRequest / 1000, plainTimes.min()! / 1000))
print(String(format: "pipeline, %d empty stages:  %8.2f µs per request (median round; fastest %.2f)", stageCount, perRequestStaged / 1000, stagedTimes.min()! / 1000))
print(String(format: "per empty stage:            %8.3f µs per request", (perRequestStaged - perRequest) / Double(stageCount) / 1000))

var departures: [(watched: Double, bare: Double)] = []
for _ in 0..<rounds { departures.append(try await PipelineBenchmark.departureCost(iterations: requestsPerRound)) }
let watched = median(departures.map(\.watched))
let bare = median(departures.map(\.bare))
print(String(format: "client departure watch:     %8.3f µs per request (%.3f watched, %.3f bare)", (watched - bare) / 1000, watched / 1000, bare / 1000))
