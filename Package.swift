// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        // For the fuzz package in Fuzz/, which builds only these modules with sanitizers.
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
        .library(name: "SluiceTranslation", targets: ["SluiceTranslation"]),
        .library(name: "SluiceConfig", targets: ["SluiceConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        // OTLP over HTTP only: the gRPC exporter's dependencies are not built.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // Pure request/response mechanics: JSON member scanning, SSE framing, usage, errors. No I/O.
        .target(name: "SluiceCore", swiftSettings: swiftSettings),
        // OpenAI <-> Anthropic Messages translation of requests, responses, streams and errors. No I/O.
        .target(name: "SluiceTranslation", dependencies: ["SluiceCore"], swiftSettings: swiftSettings),
        // Times request and stream-chunk translation; run it built in release.
        .executableTarget(
            name: "sluice-translation-bench",
            dependencies: ["SluiceTranslation"],
            path: "Sources/TranslationBench",
            swiftSettings: swiftSettings
        ),
        // The config file: strict YAML decoding, environment expansion, validation with locations
        // (certificate and key files are read and checked with swift-nio-ssl).
        .target(
            name: "SluiceConfig",
            dependencies: [
                "SluiceCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Upstream backends behind one protocol (Anthropic's through the translation layer), and the lean HTTP/1.1 client they call upstreams with.
        .target(
            name: "SluiceProviders",
            dependencies: [
                "SluiceCore",
                "SluiceConfig",
                "SluiceTranslation",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // Governance state (tenants, keys, budgets, rate cells, the usage ledger) on SQLite or PostgreSQL.
        .target(
            name: "SluiceStore",
            dependencies: [
                "SluiceCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP surface: routes, auth, request ids, error rendering, the application builder.
        .target(
            name: "SluiceServer",
            dependencies: [
                "SluiceCore",
                "SluiceConfig",
                "SluiceProviders",
                "SluiceStore",
                "SluiceTranslation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceConfig",
                "SluiceProviders",
                "SluiceServer",
                "SluiceStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // A discrete-event simulation of model servers behind the gateway's own balancers.
        .target(
            name: "SluiceRoutingSimulation",
            dependencies: ["SluiceConfig", "SluiceProviders", "SluiceServer", .product(name: "NIOCore", package: "swift-nio")],
            path: "Sources/RoutingSimulation",
            swiftSettings: swiftSettings
        ),
        // Every balancer in the simulation, and a sweep of prefix-aware routing: bench/routing-sim.sh.
        .executableTarget(
            name: "sluice-routing-sim",
            dependencies: ["SluiceConfig", "SluiceRoutingSimulation"],
            path: "Sources/RoutingSimBench",
            swiftSettings: swiftSettings
        ),
        // Times requests through the inference pipeline in process, and what an empty stage adds.
        .executableTarget(
            name: "sluice-pipeline-bench",
            dependencies: ["SluiceServer"],
            path: "Sources/PipelineBench",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceTests",
            dependencies: [
                "SluiceCore",
                "SluiceRoutingSimulation",
                "SluiceStore",
                "SluiceConfig",
                "SluiceProviders",
                "SluiceServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // TLS tests: a client that picks its TLS versions, and an upstream behind TLS.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // The governance store contract, run against SQLite and (when configured) PostgreSQL.
        .testTarget(
            name: "SluiceStoreTests",
            dependencies: ["SluiceStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SluiceTranslationTests",
            dependencies: ["SluiceTranslation", "SluiceCore"],
            swiftSettings: swiftSettings
        ),
    ]
)
