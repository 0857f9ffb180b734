import SluiceCore
import SluiceTranslation
import Testing

@Suite("JSON values")
struct JSONValueTests {
    @Test func parsedDocumentsSerialiseBackUnchanged() throws {
        let text = #"{"a":[1,-2.5e3,true,false,null,{"b":"c\"d\\e\n\u0001é😀"}],"empty":{},"list":[],"n":12345678901234567890}"#
        let value = json(text)
        #expect(String(decoding: value.serialized, as: UTF8.self) == text)
    }

    @Test func whitespaceIsAccepted() {
        #expect(json(" {\n \"a\" : [ 1 , { } , [ ] ] ,\t\"b\":\"x\" } ") == ["a": [1, [:], []], "b": "x"])
    }

    @Test(arguments: ["", "plain", "quote \" backslash \\ slash /", "\n\r\t\u{08}\u{0C}\u{00}\u{1F}", "é 日本 😀", "\u{7F}"])
    func byteQuotingMatchesStringQuoting(text: String) {
        var bytes: [UInt8] = []
        JSONString.appendQuoted(text, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == JSONString.quoted(text))
    }

    @Test func objectsCompareRegardlessOfMemberOrder() {
        #expect(json(#"{"a":1,"b":[1,2]}"#) == json(#"{"b":[1,2],"a":1}"#))
        #expect(json(#"{"a":1}"#) != json(#"{"a":"1"}"#))
        #expect(json(#"{"a":[1,2]}"#) != json(#"{"a":[2,1]}"#))
    }

    /// Found by Fuzz/ (json-scanner): an object naming a key twice did not equal itself.
    @Test func anObjectWithARepeatedKeyEqualsItself() {
        let repeated = json(#"{"a":0,"a":5}"#)
        #expect(repeated == repeated)
        #expect(repeated == json(#"{"a":1,"a":5}"#))
        #expect(repeated != json(#"{"a":5,"b":5}"#))
        #expect(json(#"{"a":5,"b":5}"#) != repeated)
    }
}
