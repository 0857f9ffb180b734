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

    @Test func randomBytesNeverCrashTheScanner() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]":,\ 0123456789.eE-+truefalsn"#.utf8) + [0x00, 0xFF, 0x0A]
        for _ in 0..<20_000 {
            let length = Int(generator.next() % 40)
            var bytes: [UInt8] = [UInt8(ascii: "{")]
            for _ in 0..<length { bytes.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            _ = bytes.withUnsafeBytes { try? JSONScanner.topLevelMembers(of: $0) }
        }
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
