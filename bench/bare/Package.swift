// swift-tools-version:6.0
// Bare servers that answer every request with the same small JSON body, for bench/load.sh to
// measure the server stack's own floor beside Sluice: Hummingbird 2 with a router and nothing
// else, and SwiftNIO's HTTP/1 handlers with no Swift concurrency per request.
import PackageDescription

let package = Package(
    name: "bare-servers",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(name: "bare-hummingbird", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
        .executableTarget(
            name: "bare-nio",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")]
        ),
    ]
)
