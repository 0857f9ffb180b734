import ArgumentParser
import SluiceServer

/// `sluice tenants create|list`: tenants in the config's store.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants", abstract: "Create and list tenants.", subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a tenant.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The tenant's id: letters, digits, '-', '_', '.'.") var id: String
        @Option(help: "A display name (default: the id).") var name: String?

        func run() async throws {
            let tenant = try await self.store.withAdmin { try await $0.createTenant(id: self.id, name: self.name, metadata: nil) }
            print("created tenant \(tenant.id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List tenants.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let tenants = try await self.store.withAdmin { try await $0.store.tenants() }
            TablePrinter.print(["ID", "NAME", "CREATED"], tenants.map { [$0.id, $0.name, TablePrinter.date($0.createdAt)] })
        }
    }
}
