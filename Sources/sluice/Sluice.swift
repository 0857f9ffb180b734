import ArgumentParser

/// The `sluice` command: an LLM inference gateway.
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An LLM inference gateway: OpenAI-compatible API in front of model servers and providers.",
        version: "0.1.0",
        subcommands: [Serve.self, CheckConfig.self, KeysCommand.self, TenantsCommand.self, BudgetsCommand.self],
        defaultSubcommand: nil
    )
}
