import Foundation
import Yams

extension ConfigLoader {
    static func responses(_ node: Node, reader: inout ConfigReader) -> ResponsesSettings {
        let members = reader.mapping(
            node, at: "responses",
            allowed: ["store_ttl", "reasoning_key", "refuse_hosted_tools", "cache_max_responses", "cache_max_bytes", "history_max_depth", "history_max_bytes"]
        )
        var settings = ResponsesSettings()
        if let ttl = members["store_ttl"].flatMap({ reader.positiveDuration($0, at: "responses.store_ttl") }) { settings.storeTTL = ttl }
        if let node = members["reasoning_key"], let key = reader.string(node, at: "responses.reasoning_key", secret: true) {
            // The message never shows the value: it is a secret.
            if Data(base64Encoded: key.trimmingSpaces())?.count == ResponsesSettings.reasoningKeyBytes {
                settings.reasoningKey = Secret(key.trimmingSpaces())
            } else {
                reader.report(
                    "the reasoning key must be \(ResponsesSettings.reasoningKeyBytes) bytes in base64 (e.g. from `openssl rand -base64 32`)",
                    at: "responses.reasoning_key", node: node
                )
            }
        }
        if let refuse = members["refuse_hosted_tools"].flatMap({ reader.boolean($0, at: "responses.refuse_hosted_tools") }) {
            settings.refuseHostedTools = refuse
        }
        if let count = members["cache_max_responses"].flatMap({ reader.integer($0, at: "responses.cache_max_responses", minimum: 1) }) {
            settings.cacheMaxResponses = count
        }
        if let size = members["cache_max_bytes"].flatMap({ reader.byteSize($0, at: "responses.cache_max_bytes") }) { settings.cacheMaxBytes = size }
        if let depth = members["history_max_depth"].flatMap({ reader.integer($0, at: "responses.history_max_depth", minimum: 1) }) {
            settings.historyMaxDepth = depth
        }
        if let size = members["history_max_bytes"].flatMap({ reader.byteSize($0, at: "responses.history_max_bytes") }) { settings.historyMaxBytes = size }
        return settings
    }
}
