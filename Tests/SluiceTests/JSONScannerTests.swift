import Foundation
import Testing

@testable import SluiceCore

@Suite("JSON scanning")
struct JSONScannerTests {
    private func scan(_ text: String) throws(JSONSyntaxError) -> [JSONMember] {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { raw in Result { () throws(JSONSyntaxError) in try JSONScanner.topLevelMembers(of: raw) } }
        return try result.get()
    }

    @Test func membersComeWithTheirRangesAndKinds() throws {
        let text = #"{ "model" : "gpt-4o", "n":-1.5e3, "ok":true, "x":null, "a":[1,{"b":"\u00e9\n"}], "o":{} }"#
        let members = try self.scan(text)
        #expect(members.map(\.key) == ["model", "n", "ok", "x", "a", "o"])
        #expect(members.map(\.kind) == [.string, .number, .bool, .null, .array, .object])
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[members[0].value], as: UTF8.self) == #""gpt-4o""#)
        #expect(String(decoding: bytes[members[4].value], as: UTF8.self) == #"[1,{"b":"\u00e9\n"}]"#)
    }

    @Test func escapedKeysAndStringsAreDecoded() throws {
        let text = #"{"mo\u0064el":"caf\u00e9 \ud83d\ude00 \"q\""}"#
        let members = try self.scan(text)
        #expect(members[0].key == "model")
        let value = Array(text.utf8).withUnsafeBytes { JSONValueReader.string(members[0], in: $0) }
        #expect(value == "café 😀 \"q\"")
    }

    @Test(arguments: [
        ("", "the body is empty"),
        ("[]", "expected a JSON object"),
        (#"{"a":1,}"#, "expected a string key"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"{"a":01}"#, "expected ',' or '}'"),
        (#"{"a":"x"#, "unterminated string"),
        (#"{"a":tru}"#, "invalid literal"),
        (#"{"a":"\x"}"#, "invalid escape"),
        (#"{"a":1} {}"#, "unexpected data after"),
        ("{\"a\":\"\u{01}\"}", "unescaped control character"),
        (#"{"a":-}"#, "invalid number"),
    ])
    func malformedDocumentsAreRejectedWithAReason(text: String, reason: String) {
        #expect(throws: JSONSyntaxError.self) { try self.scan(text) }
        do {
            _ = try self.scan(text)
        } catch {
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func errorsGiveLineAndColumn() {
        do {
            _ = try self.scan("{\n  \"a\": 1,\n  \"b\": ?\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    @Test func deepNestingIsRejectedNotACrash() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: JSONSyntaxError.self) { try self.scan(deep) }
    }

    @Test func nestingIsAcceptedToTheLimitAndRefusedOneLevelDeeper() {
        func nested(_ depth: Int) -> String {
            // The top-level object is level 1; arrays and objects alternate below it.
            var open = "{\"a\":", close = "}"
            for level in 2...depth {
                open += level.isMultiple(of: 2) ? "[" : "{\"b\":"
                close = (level.isMultiple(of: 2) ? "]" : "}") + close
            }
            return open + "1" + close
        }
        #expect((try? self.scan(nested(JSONScanner.maximumDepth))) != nil)
        #expect(throws: JSONSyntaxError.self) { try self.scan(nested(JSONScanner.maximumDepth + 1)) }
    }

    /// Generated documents, most of them mutated, against Python's strict RFC 8259 parser: the
    /// scanner accepts exactly the objects the reference accepts (up to ``JSONScanner/maximumDepth``),
    /// with the same members, kinds, strings and integers, every span inside the buffer, and no
    /// input traps. `SLUICE_TEST_SEED` replays a run.
    @Test func theScannerAcceptsExactlyWhatAStrictReferenceParserAccepts() async throws {
        let seed = ProcessInfo.processInfo.environment["SLUICE_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("JSON scanner fuzz seed: \(seed) (SLUICE_TEST_SEED=\(seed) replays it)")
        var generator = JSONFuzzGenerator(seed: seed)
        let inputs = (0..<4000).map { _ in generator.input() }
        let verdicts = try await JSONReferenceParser.parse(inputs)
        try #require(verdicts.count == inputs.count)

        var accepted = 0, refusedTooDeep = 0, acceptedAtTheLimit = 0, compared = 0, mismatches: [String] = []
        for (bytes, verdict) in zip(inputs, verdicts) {
            let scanned = bytes.withUnsafeBytes { raw in Result { () throws(JSONSyntaxError) in try JSONScanner.topLevelMembers(of: raw) } }
            if case .success(let members) = scanned {
                accepted += 1
                if let problem = bytes.withUnsafeBytes({ JSONScanContract.spanProblem(members, in: $0) }) { mismatches.append("\(problem): \(Self.show(bytes))") }
            }
            // The scanner checks syntax, not UTF-8 well-formedness; the reference decodes UTF-8 first.
            guard String(validating: bytes, as: UTF8.self) != nil else { continue }
            compared += 1
            let depth = verdict?.depth ?? 0
            if verdict?.isObject == true, depth > JSONScanner.maximumDepth { refusedTooDeep += 1 }
            if verdict?.isObject == true, depth == JSONScanner.maximumDepth { acceptedAtTheLimit += 1 }
            let expected = verdict?.isObject == true && depth <= JSONScanner.maximumDepth
            switch scanned {
            case .success(let members) where expected:
                if let problem = bytes.withUnsafeBytes({ JSONScanContract.memberProblem(members, reference: verdict?.members, in: $0) }) {
                    mismatches.append("\(problem): \(Self.show(bytes))")
                }
            case .success:
                mismatches.append("accepted what the reference refuses: \(Self.show(bytes))")
            case .failure(let error) where expected:
                mismatches.append("refused (\(error.reason)) what the reference accepts: \(Self.show(bytes))")
            case .failure:
                break
            }
        }
        #expect(mismatches.isEmpty, "seed \(seed), \(mismatches.count) mismatches, the first: \(mismatches.prefix(5).joined(separator: "\n"))")
        // The generator reaches every path it is meant to.
        #expect(accepted > inputs.count / 5 && accepted < inputs.count * 4 / 5, "seed \(seed): \(accepted) of \(inputs.count) accepted")
        #expect(compared > inputs.count * 9 / 10, "seed \(seed): \(compared) compared")
        #expect(refusedTooDeep > 0 && acceptedAtTheLimit > 0, "seed \(seed): \(refusedTooDeep) too deep, \(acceptedAtTheLimit) at the limit")
        #expect(generator.outOfRangeIntegers > 0)
    }

    private static func show(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription + (bytes.count > 300 ? "… (\(bytes.count) bytes)" : "")
    }

    @Test func prometheusSamplesAreSummedAcrossLabelSets() {
        let text = """
            # HELP sglang:num_queue_reqs The number of requests in the waiting queue
            # TYPE sglang:num_queue_reqs gauge
            sglang:num_queue_reqs{model_name="a",engine="0"} 3
            sglang:num_queue_reqs{model_name="a",engine="1"} 4.0
            sglang:token_usage{model_name="a"} 0.5 1718000000000
            other_metric 9
            """
        let sums = PrometheusText.sums(of: ["sglang:num_queue_reqs", "sglang:token_usage"], in: text)
        #expect(sums == ["sglang:num_queue_reqs": 7, "sglang:token_usage": 0.5])
    }
}
