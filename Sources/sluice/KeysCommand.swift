import ArgumentParser
import Foundation
import SluiceConfig
import SluiceServer

/// `sluice keys create|list|revoke`: virtual keys in the config's store.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke virtual keys.", subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key and print it (it is shown only this once).")

        @OptionGroup var store: StoreOptions
        @Option(help: "A name for the key.") var name: String
        @Option(help: "The tenant the key belongs to.") var tenant: String?
        @Option(name: .customLong("model"), help: "A model the key may use (repeat for several; none: every model).") var models: [String] = []
        @Option(help: "Days until the key expires.") var expiresInDays: Int?
        @Option(help: "Requests per minute the key may make.") var requestsPerMinute: Int?
        @Option(help: "Tokens per minute the key may use.") var tokensPerMinute: Int?

        func run() async throws {
            var request = GovernanceAdmin.NewKey(
                name: self.name, tenantId: self.tenant, allowedModels: self.models,
                expiresAt: self.expiresInDays.map { Int64(Date.now.timeIntervalSince1970) + Int64($0) * 86_400 }
            )
            request.requestsPerMinute = self.requestsPerMinute
            request.tokensPerMinute = self.tokensPerMinute
            let (key, record) = try await self.store.withAdmin { try await $0.createKey(request) }
            print(key)
            print("id \(record.id)\(record.tenantID.map { ", tenant \($0)" } ?? ""): store the key now, it cannot be shown again")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (never the keys themselves).")

        @OptionGroup var store: StoreOptions
        @Option(help: "Only this tenant's keys.") var tenant: String?

        func run() async throws {
            let keys = try await self.store.withAdmin { try await $0.store.keys(tenantID: self.tenant) }
            TablePrinter.print(
                ["ID", "NAME", "TENANT", "MODELS", "CREATED", "EXPIRES", "REVOKED"],
                keys.map { key in
                    [
                        key.id, key.name, key.tenantID ?? "-", key.allowedModels.isEmpty ? "*" : key.allowedModels.joined(separator: ","),
                        TablePrinter.date(key.createdAt), TablePrinter.date(key.expiresAt), TablePrinter.date(key.revokedAt),
                    ]
                }
            )
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by its id.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The key's id (sk-sluice- and 8 characters).") var id: String

        func run() async throws {
            let key = try await self.store.withAdmin { try await $0.revokeKey(id: self.id) }
            print("revoked \(key.id) at \(TablePrinter.date(key.revokedAt))")
        }
    }
}
