import Testing

/// The behaviour every ``GovernanceStore`` backend must share. Each test runs once per backend;
/// the tests live in extensions by area.
@Suite("Governance store contract", .timeLimit(.minutes(2)))
struct StoreContractTests {}
