import FuzzSupport
import SluiceConfig

/// The config file reader (`ConfigLoader.parse`: Yams composes the YAML, `ConfigReader` checks
/// every value, with `${NAME}` expanded from the environment).
///
/// Asserts that a file either loads or is refused with at least one problem, each with a message
/// and, where it names a line, a line the file has.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let yaml = String(decoding: input, as: UTF8.self)
    // YAML also breaks lines at NEL, LS and PS; a CRLF counted twice only loosens the bound.
    let lines = yaml.unicodeScalars.count(where: { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }) + 1
    do {
        _ = try ConfigLoader.parse(yaml: yaml, file: "fuzz.yaml", environment: environment)
    } catch {
        check(!error.problems.isEmpty, "a refused config reports no problem")
        for problem in error.problems {
            check(!problem.message.isEmpty, "a config problem at \(problem.path) has no message")
            if let line = problem.line { check(line >= 0 && line <= lines + 1, "a problem names line \(line) of \(lines): \(problem)") }
        }
    }
    return 0
}

private let environment = ["FUZZ_KEY": "sk-fuzz", "FUZZ_PORT": "8080", "FUZZ_EMPTY": ""]
