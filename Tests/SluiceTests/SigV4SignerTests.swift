import Foundation
import Testing

@testable import SluiceProviders

@Suite("AWS Signature Version 4")
struct SigV4SignerTests {
    /// The credentials, region, service and time of AWS's SigV4 test suite.
    static let suiteSigner = SigV4Signer(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @Test func getVanillaMatchesTheSuite() {
        let signature = Self.suiteSigner.sign(
            method: "GET", host: "example.amazonaws.com", path: "/", payload: [UInt8](), date: Self.suiteDate)
        #expect(signature.canonicalRequest == """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            \(Self.emptySHA256)
            """)
        #expect(signature.authorization == """
            AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
            SignedHeaders=host;x-amz-date, \
            Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31
            """)
        #expect(signature.addedHeaders.map(\.name) == ["x-amz-date"])
        #expect(signature.addedHeaders.map(\.value) == ["20150830T123600Z"])
    }

    @Test func postVanillaMatchesTheSuite() {
        let signature = Self.suiteSigner.sign(
            method: "POST", host: "example.amazonaws.com", path: "/", payload: [UInt8](), date: Self.suiteDate)
        #expect(signature.stringToSign == """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87
            """)
        #expect(signature.authorization.hasSuffix(
            "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"))
    }

    @Test func theQueryIsSortedBeforeSigning() {
        let signature = Self.suiteSigner.sign(
            method: "GET", host: "example.amazonaws.com", path: "/",
            query: [("Param2", "value2"), ("Param1", "value1")], payload: [UInt8](), date: Self.suiteDate)
        #expect(signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2]
            == "Param1=value1&Param2=value2")
        #expect(signature.authorization.hasSuffix(
            "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"))
    }

    @Test func pathsAreSentEncodedOnceAndSignedEncodedTwice() {
        #expect(SigV4Signer.encodedPath("/model/meta.llama3-8b-instruct-v1:0/converse") == "/model/meta.llama3-8b-instruct-v1%3A0/converse")
        #expect(SigV4Signer.canonicalPath("/model/meta.llama3-8b-instruct-v1%3A0/converse") == "/model/meta.llama3-8b-instruct-v1%253A0/converse")
        #expect(SigV4Signer.canonicalPath("") == "/")
    }

    @Test func aBedrockRequestEncodesTheModelIDAndSignsTheSessionToken() {
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "session/token=="),
            region: "eu-west-1", service: "bedrock")
        let body = Array(#"{"messages":[]}"#.utf8)
        let signature = signer.sign(
            method: "POST", host: "bedrock-runtime.eu-west-1.amazonaws.com",
            path: SigV4Signer.encodedPath("/model/anthropic.claude-3-haiku-20240307-v1:0/converse"),
            headers: [("Content-Type", "application/json"), ("Accept", "  application/json  ")],
            payload: body, date: Self.suiteDate)
        #expect(signature.canonicalRequest == """
            POST
            /model/anthropic.claude-3-haiku-20240307-v1%253A0/converse

            accept:application/json
            content-type:application/json
            host:bedrock-runtime.eu-west-1.amazonaws.com
            x-amz-date:20150830T123600Z
            x-amz-security-token:session/token==

            accept;content-type;host;x-amz-date;x-amz-security-token
            \(SigV4Signer.hexSHA256(body))
            """)
        #expect(signature.addedHeaders.map(\.name) == ["x-amz-date", "x-amz-security-token"])
        #expect(signature.authorization.hasPrefix(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/bedrock/aws4_request, "
                + "SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature="))
        let again = signer.sign(
            method: "POST", host: "bedrock-runtime.eu-west-1.amazonaws.com",
            path: "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
            headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            payload: Array(#"{"messages":[1]}"#.utf8), date: Self.suiteDate)
        #expect(again.authorization != signature.authorization, "the payload is covered by the signature")
    }
}
