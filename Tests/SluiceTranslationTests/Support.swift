import SluiceTranslation

/// Parses a JSON object written in a test.
func json(_ text: String) -> JSONValue {
    do {
        return try JSONValue.parseObject(Array(text.utf8))
    } catch {
        fatalError("test JSON does not parse: \(error)\n\(text)")
    }
}

func json(_ bytes: [UInt8]) -> JSONValue { json(String(decoding: bytes, as: UTF8.self)) }

/// One server-sent event of a translator's output.
struct OutputEvent: Equatable, CustomStringConvertible {
    var name: String?
    /// The event's data: a JSON object, or nil for `[DONE]`.
    var data: JSONValue?

    var description: String { "\(self.name ?? "-") \(self.data.map { String(decoding: $0.serialized, as: UTF8.self) } ?? "[DONE]")" }
}

/// Splits translated stream bytes into events; every event must be complete and well formed.
func events(_ bytes: [UInt8]) -> [OutputEvent] {
    let text = String(decoding: bytes, as: UTF8.self)
    precondition(text.isEmpty || text.hasSuffix("\n\n"), "output ends inside an event: \(text)")
    return text.split(separator: "\n\n").map { block in
        var event = OutputEvent()
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("event: ") { event.name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") {
                let data = line.dropFirst(6)
                event.data = data == "[DONE]" ? JSONValue?.none : json(String(data))
            }
        }
        return event
    }
}

/// The `delta` objects of OpenAI chunks, in order (chunks without a choice are skipped).
func deltas(_ output: [OutputEvent]) -> [JSONValue] {
    output.compactMap { $0.data?["choices"]?.arrayValue?.first?["delta"] }
}

/// Feeds `input` to a stream translator in pieces cut at `cuts`, and returns all output.
func feed<Translator>(
    _ translator: inout Translator, _ input: [UInt8], cuts: [Int],
    _ translate: (inout Translator, ArraySlice<UInt8>) throws -> [UInt8]
) rethrows -> [UInt8] {
    var output: [UInt8] = []
    var start = 0
    for cut in cuts.sorted() + [input.count] where cut >= start {
        output += try translate(&translator, input[start..<cut])
        start = cut
    }
    return output
}

/// A small deterministic random number generator (SplitMix64), so property tests replay.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
