"""The official anthropic SDK against Sluice with a model served by an OpenAI-compatible backend:
token counting, the model list (paged), a stream whose message_start carries input tokens, and a
request in Claude Code's shape (adaptive thinking, effort, structured outputs, context editing).
Usage: anthropic_fidelity_check.py BASE_URL"""

import json
import sys

import anthropic

BASE_URL = sys.argv[1]
client = anthropic.Anthropic(base_url=BASE_URL, api_key="sk-test", max_retries=0)
MODEL = "stub-ok"  # an OpenAI-compatible deployment

counted = client.messages.count_tokens(
    model=MODEL, system="Be brief.", messages=[{"role": "user", "content": "Hello there, how are you today?"}]
)
assert counted.input_tokens > 0, counted
print("count_tokens:", counted.input_tokens)

first = client.models.list(limit=5)
assert len(first.data) == 5 and first.has_more, first
assert all(model.type == "model" and model.display_name for model in first.data), first
every = [model.id for model in client.models.list(limit=7)]  # the SDK pages with after_id
assert MODEL in every and len(every) == len(set(every)) and every[:5] == [model.id for model in first.data], every
assert client.models.retrieve(MODEL).id == MODEL
try:
    client.models.retrieve("no-such-model")
    raise AssertionError("an unknown model was found")
except anthropic.NotFoundError:
    pass
print("models:", len(every))

with client.messages.stream(model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Say hello"}]) as stream:
    start = None
    for event in stream:
        if event.type == "message_start":
            start = event.message.usage
    final = stream.get_final_message()
assert start is not None and start.input_tokens > 0, start
assert final.usage.output_tokens > 0, final.usage
assert "".join(block.text for block in final.content if block.type == "text") == "Hello there!", final.content
print("message_start input_tokens:", start.input_tokens, "final usage:", final.usage.input_tokens, final.usage.output_tokens)

schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"], "additionalProperties": False}
message = client.beta.messages.create(
    model=MODEL,
    max_tokens=2048,
    betas=["context-management-2025-06-27", "effort-2025-11-24"],
    messages=[
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "false"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True, "content": "exit 1"}]},
    ],
    tools=[{"name": "Bash", "description": "Run a command", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}],
    extra_body={
        "thinking": {"type": "adaptive", "display": "omitted"},
        "output_config": {"effort": "medium", "format": {"type": "json_schema", "schema": schema}},
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
    },
)
assert message.type == "message" and message.content, message
print("claude-code-shaped request:", message.stop_reason)
print(json.dumps({"ok": True}))
