// swift-tools-version:6.1
import PackageDescription

// Coverage-guided fuzz targets for Sluice's parsers and translators, one executable per target.
// Build and run them with ./run.sh, which adds `--sanitize fuzzer --sanitize address`: libFuzzer
// supplies `main`, so each target is compiled as a library (`-parse-as-library`).
//
// The modules fuzzed are the light ones (SluiceCore, SluiceTranslation, SluiceConfig). The AWS
// event-stream decoder and the first-request-line sniffer live in heavy modules (SluiceProviders,
// SluiceServer pull in BoringSSL twice, Hummingbird and swift-otel); their source files are linked
// into their targets instead (see Sources/event-stream and Sources/http-head), so that a sanitized
// build stays within CI's budget.

let fuzzTarget: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "sluice-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sluice", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // What several targets share: splitting an input into chunks, checking emitted JSON and SSE.
        .target(name: "FuzzSupport", dependencies: [.product(name: "SluiceCore", package: "sluice")]),
        .executableTarget(
            name: "json-scanner",
            dependencies: ["FuzzSupport", .product(name: "SluiceCore", package: "sluice"), .product(name: "SluiceTranslation", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "client-requests",
            dependencies: ["FuzzSupport", .product(name: "SluiceCore", package: "sluice"), .product(name: "SluiceTranslation", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "upstream-responses",
            dependencies: ["FuzzSupport", .product(name: "SluiceCore", package: "sluice"), .product(name: "SluiceTranslation", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "sse-framing",
            dependencies: ["FuzzSupport", .product(name: "SluiceCore", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "openai-stream",
            dependencies: ["FuzzSupport", .product(name: "SluiceCore", package: "sluice"), .product(name: "SluiceTranslation", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "anthropic-stream",
            dependencies: ["FuzzSupport", .product(name: "SluiceCore", package: "sluice"), .product(name: "SluiceTranslation", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "gemini-stream",
            dependencies: ["FuzzSupport", .product(name: "SluiceCore", package: "sluice"), .product(name: "SluiceTranslation", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "event-stream",
            dependencies: ["FuzzSupport", .product(name: "SluiceCore", package: "sluice"), .product(name: "SluiceTranslation", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "reasoning-splitter",
            dependencies: ["FuzzSupport", .product(name: "SluiceTranslation", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "config-yaml",
            dependencies: ["FuzzSupport", .product(name: "SluiceConfig", package: "sluice")],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "http-head",
            dependencies: [
                "FuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ],
            // EmbeddedChannel's handlers and closures are checked for Sendable only in Swift 6 mode.
            swiftSettings: fuzzTarget + [.swiftLanguageMode(.v5)]
        ),
    ]
)
