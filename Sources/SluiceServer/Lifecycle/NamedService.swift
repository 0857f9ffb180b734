import ServiceLifecycle

/// A service under a name of its own. The service group logs every service by
/// `String(describing:)`, which for a type without a description reflects over all its stored
/// properties, recursively (for the Hummingbird application: the router, its middleware, the
/// gateway), each new type costing a scan of the binary's protocol conformances: about a tenth of
/// the CPU from start to the first answered request.
struct NamedService: Service, CustomStringConvertible {
    let description: String
    let service: any Service

    init(_ name: String, _ service: any Service) {
        self.description = name
        self.service = service
    }

    func run() async throws {
        try await self.service.run()
    }
}
