import SluiceCore

/// What a relay that reads an event's JSON data does with it.
enum SSEDataAction {
    case keep
    case drop
    /// Edits within the data.
    case edit([BodyEdit])

    /// Reads the data of `event` with `read` and turns its verdict into what becomes of the
    /// event. An edit of one-line data lands inside the event as sent, so its other lines and
    /// line endings stay; data split over several lines (legal, though providers send one) is
    /// read joined and, when edited, sent again one line per line of the edited data.
    /// - Parameter read: the verdict on the data, given the event's name.
    static func apply(
        to event: UnsafeRawBufferPointer, read: (UnsafeRawBufferPointer, String?) throws(GatewayError) -> SSEDataAction
    ) throws(GatewayError) -> SSEEventAction {
        let fields = SSEFraming.parse(event)
        guard !fields.dataLines.isEmpty else { return .keep }
        if fields.dataLines.count == 1 {
            let line = fields.dataLines[0]
            switch try read(UnsafeRawBufferPointer(rebasing: event[line]), fields.name) {
            case .keep: return .keep
            case .drop: return .drop
            case .edit(let edits):
                let shifted = edits.map { BodyEdit(range: ($0.range.lowerBound + line.lowerBound)..<($0.range.upperBound + line.lowerBound), replacement: $0.replacement) }
                return .replace(BodyEdit.apply(shifted, to: event))
            }
        }
        let joined = fields.data(in: event)
        let action = try joined.withUnsafeBytes { data in Result { () throws(GatewayError) in try read(data, fields.name) } }.get()
        switch action {
        case .keep: return .keep
        case .drop: return .drop
        case .edit(let edits):
            let edited = joined.withUnsafeBytes { BodyEdit.apply(edits, to: $0) }
            var replacement = Array((fields.name.map { "event: \($0)\n" } ?? "").utf8)
            for (index, line) in edited.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                if index > 0 { replacement.append(0x0A) }
                replacement += "data: ".utf8
                replacement += line
            }
            return .replace(replacement)
        }
    }

    /// As ``apply(to:read:)`` for data that must be one JSON object: `read` gets its top-level
    /// members, the data and the event's name.
    /// - Throws: ``GatewayError`` when the data is not a JSON object.
    static func apply(
        toObjectIn event: UnsafeRawBufferPointer, read: ([JSONMember], UnsafeRawBufferPointer, String?) throws(GatewayError) -> SSEDataAction
    ) throws(GatewayError) -> SSEEventAction {
        try self.apply(to: event) { (data, name) throws(GatewayError) in
            let members: [JSONMember]
            do throws(JSONSyntaxError) {
                members = try JSONScanner.topLevelMembers(of: data)
            } catch {
                throw GatewayError.upstreamFailed("it sent a stream event that is not valid JSON (\(error.reason))")
            }
            return try read(members, data, name)
        }
    }
}
