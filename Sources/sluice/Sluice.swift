import ArgumentParser

/// The `sluice` command: an LLM inference gateway.
struct Sluice: AsyncParsableCommand {
    // Every command names itself: a name derived from the type (`String(describing:)`) costs a
    // scan of the binary's protocol conformances at start (measured in BENCHMARKS.md).
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "An LLM inference gateway: OpenAI-compatible API in front of model servers and providers.",
        version: "0.1.0",
        subcommands: [Serve.self, CheckConfig.self, KeysCommand.self, TenantsCommand.self, BudgetsCommand.self],
        defaultSubcommand: nil
    )
}
