"""The official anthropic Python SDK against a running Sluice gateway's /v1/messages, with
OpenAI-compatible and mock backends behind it.

Usage: python3 Tests/SDK/anthropic_sdk_check.py BASE_URL
Exits non-zero with the failing check's message when the gateway breaks the SDK's expectations.
"""
import sys

import anthropic

base_url = sys.argv[1]
client = anthropic.Anthropic(base_url=base_url, api_key="sk-test", max_retries=0, timeout=10)
messages = [{"role": "user", "content": "Say hello"}]

# Not streamed, through the OpenAI-compatible provider.
message = client.messages.create(model="stub-ok", max_tokens=64, messages=messages, system="Be brief.")
assert message.type == "message" and message.role == "assistant", message
assert message.model == "stub-ok", message.model
assert message.content[0].type == "text" and message.content[0].text == "Hello! How can I assist you today?", message.content
assert message.stop_reason == "end_turn", message.stop_reason
assert message.usage.output_tokens == 10, message.usage

# Streamed, with the SDK's stream helper.
with client.messages.stream(model="stub-ok", max_tokens=64, messages=messages) as stream:
    text = "".join(stream.text_stream)
    final = stream.get_final_message()
assert text == "Hello there!", text
assert final.stop_reason == "end_turn" and final.content[0].text == "Hello there!", final
assert final.usage.output_tokens == 3, final.usage

# Tools are accepted and passed on; the mock answers in text, cut at max_tokens.
tools = [{"name": "get_weather", "description": "Weather for a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
message = client.messages.create(model="demo", max_tokens=3, messages=messages, tools=tools)
assert message.stop_reason == "max_tokens" and message.usage.output_tokens == 3, message

# A tool result in the conversation round-trips to the backend.
conversation = messages + [
    {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "18 C, clear"}]},
]
message = client.messages.create(model="stub-ok", max_tokens=64, messages=conversation, tools=tools)
assert message.content[0].text == "Hello! How can I assist you today?", message

# Errors raise the SDK's own exception classes.
try:
    client.messages.create(model="no-such-model", max_tokens=8, messages=messages)
    raise AssertionError("an unknown model must fail")
except anthropic.NotFoundError as error:
    assert error.status_code == 404 and "no-such-model" in str(error), error
try:
    anthropic.Anthropic(base_url=base_url, api_key="sk-wrong", max_retries=0).messages.create(model="demo", max_tokens=8, messages=messages)
    raise AssertionError("a wrong key must fail")
except anthropic.AuthenticationError as error:
    assert error.status_code == 401, error
try:
    client.messages.create(model="stub-rate-limited", max_tokens=8, messages=messages)
    raise AssertionError("a rate-limited upstream must fail")
except anthropic.RateLimitError as error:
    assert error.status_code == 429, error

# A stream the upstream cuts ends with an error the SDK raises.
try:
    with client.messages.stream(model="stub-cut", max_tokens=64, messages=messages) as stream:
        for _ in stream.text_stream:
            pass
    raise AssertionError("a cut stream must raise")
except anthropic.APIStatusError as error:
    assert "stream" in str(error).lower() or "upstream" in str(error).lower(), error
except anthropic.APIError as error:
    assert "upstream" in str(error).lower() or "stream" in str(error).lower(), error

print("anthropic SDK checks passed")
