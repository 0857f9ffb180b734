import Foundation

/// The samples of a Prometheus text exposition, parsed so tests can assert on single series.
struct PrometheusExposition {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]
    /// The metric families named by `# TYPE` lines.
    let families: Set<String>

    init(_ text: String) {
        var samples: [Sample] = []
        var families: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                families.insert(String(line.split(separator: " ")[2]))
                continue
            }
            if line.hasPrefix("#") { continue }
            let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
            var labels: [String: String] = [:]
            var rest = line[nameEnd...]
            if rest.hasPrefix("{") {
                rest = rest.dropFirst()
                while !rest.hasPrefix("}") {
                    let equals = rest.firstIndex(of: "=")!
                    let name = String(rest[..<equals])
                    rest = rest[rest.index(equals, offsetBy: 2)...]
                    var value = ""
                    while let character = rest.first, character != "\"" {
                        rest = rest.dropFirst()
                        if character == "\\", let escaped = rest.first {
                            value.append(escaped == "n" ? "\n" : escaped)
                            rest = rest.dropFirst()
                        } else {
                            value.append(character)
                        }
                    }
                    labels[name] = value
                    rest = rest.dropFirst()
                    if rest.hasPrefix(",") { rest = rest.dropFirst() }
                }
                rest = rest.dropFirst()
            }
            samples.append(Sample(name: String(line[..<nameEnd]), labels: labels, value: Double(rest.trimmingCharacters(in: .whitespaces)) ?? .nan))
        }
        self.samples = samples
        self.families = families
    }

    /// The sum of the samples of `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        self.samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
    }

    /// Every value the label `label` takes in any sample.
    func values(of label: String) -> Set<String> {
        Set(self.samples.compactMap { $0.labels[label] })
    }
}
