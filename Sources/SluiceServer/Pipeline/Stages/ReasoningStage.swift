import NIOCore
import SluiceCore
import SluiceTranslation

/// The answering deployment's `reasoning` setting, on chat answers in OpenAI's dialect:
/// `normalize` moves reasoning a model writes inline (`<think>…</think>`) or under another name
/// into `reasoning_content`, `strip` removes it. Streams are normalised event by event, a tag
/// split across events included. A stream continued on another deployment keeps the first
/// deployment's setting, so the client sees one answer in one form.
struct ReasoningStage: PipelineStage {
    static let name = "reasoning"
    var name: String { Self.name }
    let hooks: StageHooks = [.answerFilter]

    func answerFilter(for exchange: Exchange, dialect: WireDialect) -> (any AnswerFilter)? {
        // A Responses request's chat answer is filtered before it is written back as a response.
        guard dialect == .openAIChat, [.chatCompletions, .responses].contains(exchange.summary.endpoint),
            let policy = exchange.deployment?.config.reasoning.policy
        else { return nil }
        return Filter(policy: policy, normalizer: OpenAIReasoningNormalizer(policy: policy))
    }

    private struct Filter: AnswerFilter {
        let policy: ReasoningPolicy
        var normalizer: OpenAIReasoningNormalizer

        mutating func filter(event: ByteBuffer) throws(GatewayError) -> ByteBuffer {
            do throws(TranslationError) {
                return ByteBuffer(bytes: try self.normalizer.normalize(event.readableBytesView))
            } catch {
                throw error.gatewayError
            }
        }

        mutating func filter(whole body: ByteBuffer) throws(GatewayError) -> ByteBuffer {
            do throws(TranslationError) {
                return ByteBuffer(bytes: try OpenAIReasoningNormalizer.normalize(openAIChat: body.readableBytesView, policy: self.policy))
            } catch {
                throw error.gatewayError
            }
        }
    }
}
