import Hummingbird

// Hummingbird 2 answering every POST and GET with one small JSON body: the framework's floor.
// Usage: bare-hummingbird PORT
let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 28096 : 28096
let body = ByteBuffer(string: #"{"id":"bare","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}"#)
let router = Router()
router.post("**") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body)) }
router.get("**") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body)) }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
