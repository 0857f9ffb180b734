import ArgumentParser
import SluiceServer
import SluiceStore

/// `sluice budgets create|list`: budgets in the config's store.
struct BudgetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budgets", abstract: "Create and list budgets.", subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a budget on a key or a tenant.")

        @OptionGroup var store: StoreOptions
        @Option(help: "key or tenant.") var scope: String
        @Option(help: "The key's or tenant's id.") var id: String
        @Option(help: "tokens or usd.") var unit: String
        @Option(help: "day, month or total.") var period: String
        @Option(help: "The limit: tokens, or dollars for usd.") var limit: Double
        @Option(help: "Only for this model.") var model: String?

        func run() async throws {
            guard let scope = BudgetRecord.Scope(rawValue: self.scope) else { throw ValidationError("--scope must be key or tenant") }
            guard let period = BudgetRecord.Period(rawValue: self.period) else { throw ValidationError("--period must be day, month or total") }
            let request = GovernanceAdmin.NewBudget(scope: scope, scopeId: self.id, model: self.model, unit: self.unit, period: period, limit: self.limit)
            let budget = try await self.store.withAdmin { try await $0.createBudget(request) }
            print("created budget \(budget.id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List budgets with this period's spend.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let states = try await self.store.withAdmin { try await $0.budgetStates(leaseTTL: 30) }
            TablePrinter.print(
                ["ID", "SCOPE", "MODEL", "PERIOD", "LIMIT", "SPENT", "RESERVED"],
                states.map { state in
                    let budget = state.budget
                    func amount(_ value: Int64) -> String { budget.unit == .tokens ? "\(value)" : "$\(Double(value) / 1_000_000)" }
                    return [
                        budget.id, "\(budget.scope.rawValue) \(budget.scopeID)", budget.model ?? "*", budget.period.rawValue,
                        amount(budget.limit), amount(state.usage.spent), amount(state.usage.leased),
                    ]
                }
            )
        }
    }
}
