/// The token of an `Authorization: Bearer …` header (the scheme in any case).
enum BearerToken {
    static func parse(_ header: String) -> Substring.UTF8View? {
        guard header.utf8.count > 7, header.utf8.prefix(7).lazy.map({ $0 | 0x20 }).elementsEqual("bearer ".utf8) else { return nil }
        return Substring(header).utf8.dropFirst(7)
    }
}
