/// Reads sample values from the Prometheus text exposition format, as model servers publish
/// it on `/metrics`. Written by hand because the listed Prometheus package only writes the format.
public enum PrometheusText {
    /// The sum over all label sets of each metric in `names` that appears in `text`.
    public static func sums(of names: Set<String>, in text: String) -> [String: Double] {
        var sums: [String: Double] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
            let name = String(line[..<nameEnd])
            guard names.contains(name) else { continue }
            var rest = line[nameEnd...]
            if rest.hasPrefix("{") {
                guard let close = rest.lastIndex(of: "}") else { continue }
                rest = rest[rest.index(after: close)...]
            }
            let fields = rest.split(separator: " ")
            guard let valueText = fields.first, let value = Double(valueText), value.isFinite else { continue }
            sums[name, default: 0] += value
        }
        return sums
    }
}
