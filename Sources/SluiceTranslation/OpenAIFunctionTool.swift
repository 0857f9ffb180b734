/// An OpenAI `tools` entry of type `function`, read for another dialect's tool declaration.
struct OpenAIFunctionTool {
    let name: String
    let description: String?
    /// The JSON schema of the arguments, when the tool gives one.
    let parameters: JSONValue?

    /// - Throws: 400 for a tool of another type, or a missing or ill-typed name or description.
    init(_ tool: JSONValue, at path: String) throws(TranslationError) {
        guard tool["type"]?.stringValue == "function", let function = tool.present("function") else {
            throw TranslationError.unsupported("\(path).type", "only function tools can be translated")
        }
        self.name = try function.requiredString("name", at: "\(path).function.name")
        self.description = try function.optionalString("description", at: "\(path).function.description")
        self.parameters = function.present("parameters")
    }

    /// The parameters, or the schema of a function without any.
    var parametersOrEmpty: JSONValue {
        self.parameters ?? ["type": "object", "properties": [:]]
    }
}
