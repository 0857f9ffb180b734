import Prometheus

/// The names and help texts of the gateway's metrics: the OpenTelemetry GenAI semantic
/// conventions' names where they exist (dots as underscores), `sluice_*` for the rest.
enum MetricDescriptors {
    static var operationDuration: MetricNameDescriptor {
        .init(metricName: "gen_ai_client_operation_duration", unitName: "seconds", helpText: "Duration of inference requests, to the last byte of the answer.")
    }
    static var tokenUsage: MetricNameDescriptor {
        .init(metricName: "gen_ai_client_token_usage", unitName: "", helpText: "Tokens per request, by type (input, output, cached_input, cache_write_input).")
    }
    static var timeToFirstToken: MetricNameDescriptor {
        .init(metricName: "gen_ai_server_time_to_first_token", unitName: "seconds", helpText: "Time from the request to the first token of a streamed answer.")
    }
    static var timePerOutputToken: MetricNameDescriptor {
        .init(metricName: "gen_ai_server_time_per_output_token", unitName: "seconds", helpText: "Time per output token after the first, of streamed answers.")
    }
    static var requests: MetricNameDescriptor {
        .init(metricName: "sluice_requests", unitName: "total", helpText: "Inference requests, by model, deployment, tenant and outcome.")
    }
    static var cost: MetricNameDescriptor {
        .init(metricName: "sluice_request_cost_usd", unitName: "total", helpText: "Spend at the deployments' configured prices, in US dollars.")
    }
    static var inFlight: MetricNameDescriptor {
        .init(metricName: "sluice_requests_in_flight", unitName: "", helpText: "Inference requests being served.")
    }
    static var upstreamErrors: MetricNameDescriptor {
        .init(metricName: "sluice_upstream_errors", unitName: "total", helpText: "Failed upstream attempts and streams, by deployment and reason.")
    }
    static var retries: MetricNameDescriptor {
        .init(metricName: "sluice_retries", unitName: "total", helpText: "Attempts beyond the first of answered requests, fallbacks included.")
    }
    static var fallbacks: MetricNameDescriptor {
        .init(metricName: "sluice_fallbacks", unitName: "total", helpText: "Requests answered by a fallback model.")
    }
    static var breakerState: MetricNameDescriptor {
        .init(metricName: "sluice_circuit_breaker_state", unitName: "", helpText: "Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.")
    }
    static var rateLimited: MetricNameDescriptor {
        .init(metricName: "sluice_rate_limited", unitName: "total", helpText: "Inference requests refused by a rate limit.")
    }
    static var budgetExceeded: MetricNameDescriptor {
        .init(metricName: "sluice_budget_exceeded", unitName: "total", helpText: "Inference requests refused because a budget would be exceeded.")
    }
    static var overhead: MetricNameDescriptor {
        .init(metricName: "sluice_gateway_overhead", unitName: "seconds", helpText: "Time spent in the gateway outside the upstream, of answered requests.")
    }
}
