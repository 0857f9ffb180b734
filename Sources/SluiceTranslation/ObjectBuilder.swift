/// Member lists built in order, for bodies the translators write; members set to nil are left out.
struct ObjectBuilder {
    private(set) var members: [(key: String, value: JSONValue)] = []

    mutating func set(_ key: String, _ value: JSONValue?) {
        guard let value else { return }
        self.members.append((key: key, value: value))
    }

    var object: JSONValue { .object(self.members) }
}
