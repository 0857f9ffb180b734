/// A tokenizer-free estimate of how many tokens a text costs, for backends whose tokenizer the
/// gateway does not have.
///
/// It walks the text once and charges what byte-pair tokenizers of the GPT-4 / GPT-4o family
/// (`cl100k_base`, `o200k_base`) typically charge:
///
/// | run of | tokens |
/// |---|---|
/// | ASCII letters (a word, with the space before it) | 1 per started ``lettersPerToken`` letters |
/// | digits | 1 per started 3 digits (numbers are split in threes) |
/// | ASCII punctuation and symbols | 1 per started 2 characters; one alone before letters nothing (`.name`, `(x` are one token with the word) |
/// | spaces and tabs between words | nothing (they join the next word); a run of 2 or more 1, except indentation right after a line break (it joins the break) |
/// | line breaks | 1 per run |
/// | CJK, kana and hangul | 1 per character |
/// | other non-ASCII letters | 1 per started ``lettersPerToken`` / 2 letters |
/// | emoji and other symbols | 2 each |
///
/// Measured against `o200k_base` and `cl100k_base` (see `Tests/SDK/token_estimate_check.py`);
/// it is an estimate, not a count: the README states its error.
public enum TextTokenEstimate {
    /// The letters an average word-piece covers: most English words of up to this length are
    /// one token; longer ones and identifiers split.
    static let lettersPerToken = 6

    /// The estimated tokens of `text`.
    public static func tokens(_ text: some StringProtocol) -> Int {
        var tokens = 0
        var previous = Run.none
        var run = Run.none
        var runLength = 0
        func close(before next: Run) {
            switch run {
            case .punctuation where runLength == 1 && next == .letters: break
            case .blank where previous == .lineBreak: break
            default: tokens += run.tokens(length: runLength)
            }
            previous = run
        }
        for scalar in text.unicodeScalars {
            let kind = Run(scalar)
            if kind == run, kind.extends {
                runLength += 1
                continue
            }
            close(before: kind)
            run = kind
            runLength = 1
        }
        close(before: .none)
        return tokens
    }

    /// What a character belongs to, and so how its run is charged.
    private enum Run: Equatable {
        case none
        case letters
        case foreignLetters
        case digits
        case punctuation
        case blank
        case lineBreak
        case ideograph
        case symbol

        init(_ scalar: Unicode.Scalar) {
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A: self = .letters
            case 0x30...0x39: self = .digits
            case 0x20, 0x09: self = .blank
            case 0x0A, 0x0D: self = .lineBreak
            case 0x21...0x7E: self = .punctuation
            case 0..<0x20, 0x7F: self = .blank
            case 0x1100...0x11FF, 0x2E80...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0xFF00...0xFFEF, 0x20000...0x3FFFF: self = .ideograph
            default: self = scalar.properties.isAlphabetic ? .foreignLetters : .symbol
            }
        }

        /// Whether another character of the kind lengthens the run rather than starting one.
        var extends: Bool { self != .ideograph && self != .symbol }

        func tokens(length: Int) -> Int {
            switch self {
            case .none: 0
            case .letters: Self.started(length, per: TextTokenEstimate.lettersPerToken)
            case .foreignLetters: Self.started(length, per: TextTokenEstimate.lettersPerToken / 2)
            case .digits: Self.started(length, per: 3)
            case .punctuation: Self.started(length, per: 2)
            case .blank: length > 1 ? 1 : 0
            case .lineBreak: 1
            case .ideograph: 1
            case .symbol: 2
            }
        }

        private static func started(_ length: Int, per size: Int) -> Int { (length + size - 1) / size }
    }
}
