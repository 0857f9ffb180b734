import SluiceCore

/// One audit log line: a JSON object ending in a newline. Built by hand, like the access log's
/// lines, so that a request pays for no encoder.
enum AuditLine {
    static func render(_ record: RequestRecord, finishedAtMicros: Int64, includeContent: Bool) -> [UInt8] {
        var line = #"{"time":"\#(LogTimestamp.format(micros: finishedAtMicros))","request_id":\#(JSONString.quoted(record.requestID))"#
        line += #","ledger_id":\#(JSONString.quoted(record.ledgerID)),"trace_id":\#(Self.string(record.traceID))"#
        line += #","key_id":\#(Self.string(record.keyID)),"tenant_id":\#(Self.string(record.tenantID)),"client_address":\#(Self.string(record.clientAddress))"#
        line += #","endpoint":"/v1/\#(record.endpoint.path)","model":\#(JSONString.quoted(record.model)),"served_model":\#(Self.string(record.servedModel))"#
        line += #","deployment":\#(Self.string(record.deployment)),"stream":\#(record.stream),"status":\#(record.status)"#
        line += #","error_code":\#(Self.string(record.errorCode)),"attempts":\#(record.attempts)"#
        line += #","prompt_tokens":\#(record.usage?.promptTokens ?? 0),"completion_tokens":\#(record.usage?.completionTokens ?? 0)"#
        line += #","cached_tokens":\#(record.usage?.cachedPromptTokens ?? 0),"cache_write_tokens":\#(record.usage?.cacheWritePromptTokens ?? 0)"#
        line += #","cost_usd":\#(Double(record.costMicroUSD) / 1_000_000)"#
        line += #","latency_ms":\#(record.latency.inMilliseconds),"ttft_ms":\#(record.timeToFirstToken.map { "\($0.inMilliseconds)" } ?? "null")"#
        var bytes = Array(line.utf8)
        if includeContent, let content = record.content {
            bytes += #","prompt":"#.utf8
            bytes += content.prompt
            bytes += #","completion":"#.utf8
            bytes += content.completion ?? Array("null".utf8)
        }
        bytes += "}\n".utf8
        return bytes
    }

    private static func string(_ value: String?) -> String {
        value.map(JSONString.quoted) ?? "null"
    }
}
