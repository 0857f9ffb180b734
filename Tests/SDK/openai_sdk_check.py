"""The official openai Python SDK against a running Sluice gateway.

Usage: python3 Tests/SDK/openai_sdk_check.py BASE_URL
Exits non-zero with the failing check's message when the gateway breaks the SDK's expectations.
"""
import sys

import openai

base_url = sys.argv[1]
client = openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0, timeout=10)
messages = [{"role": "user", "content": "Say hello"}]

# Chat, not streamed, through the OpenAI-compatible provider.
completion = client.chat.completions.create(model="stub-ok", messages=messages)
assert completion.model == "stub-ok", completion.model
assert completion.choices[0].message.content == "Hello! How can I assist you today?"
assert completion.choices[0].finish_reason == "stop"
assert completion.usage.prompt_tokens == 19 and completion.usage.completion_tokens == 10

# Chat, streamed: the usage chunk is dropped unless asked for.
chunks = list(client.chat.completions.create(model="stub-ok", messages=messages, stream=True))
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
assert text == "Hello there!", text
assert all(c.usage is None for c in chunks)
assert chunks[-1].choices[0].finish_reason == "stop"

chunks = list(client.chat.completions.create(model="stub-ok", messages=messages, stream=True,
                                             stream_options={"include_usage": True}))
assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 12

# The built-in mock, both ways.
completion = client.chat.completions.create(model="demo", messages=messages, max_tokens=3)
assert completion.usage.completion_tokens == 3 and completion.choices[0].finish_reason == "length"
streamed = "".join(c.choices[0].delta.content or "" for c in
                   client.chat.completions.create(model="demo", messages=messages, stream=True) if c.choices)
assert streamed == client.chat.completions.create(model="demo", messages=messages).choices[0].message.content

# Embeddings, through the provider and the mock.
embedding = client.embeddings.create(model="stub-ok", input="The food was delicious")
assert len(embedding.data[0].embedding) == 3
embeddings = client.embeddings.create(model="demo", input=["a", "b"])
assert [e.index for e in embeddings.data] == [0, 1]

# Legacy completions.
assert client.completions.create(model="stub-ok", prompt="Say this is a test").choices[0].text

# Models.
assert "demo" in [m.id for m in client.models.list()]

# Errors are raised as the SDK's own exception types.
def raises(kind, call):
    try:
        call()
    except kind as error:
        return error
    raise AssertionError(f"expected {kind.__name__}")

raises(openai.AuthenticationError, lambda: openai.OpenAI(base_url=base_url + "/v1", api_key="sk-wrong", max_retries=0)
       .chat.completions.create(model="demo", messages=messages))
raises(openai.NotFoundError, lambda: client.chat.completions.create(model="no-such-model", messages=messages))
error = raises(openai.BadRequestError, lambda: client.chat.completions.create(model="stub-error-400", messages=messages))
assert "temperature" in str(error)
error = raises(openai.RateLimitError, lambda: client.chat.completions.create(model="stub-rate-limited", messages=messages))
assert error.response.headers.get("retry-after") == "7"
raises(openai.InternalServerError, lambda: client.chat.completions.create(model="stub-error-500", messages=messages))

# A stream the upstream cuts is raised mid-iteration, after the chunks that arrived.
received = []
def read_cut_stream():
    for chunk in client.chat.completions.create(model="stub-cut", messages=messages, stream=True):
        received.append(chunk)
error = raises(openai.APIError, read_cut_stream)
assert len(received) == 2, len(received)
assert "ended early" in str(error), str(error)

# An Anthropic deployment: the same calls, translated to and from the Messages API.
completion = client.chat.completions.create(model="anthropic-ok", messages=messages)
assert completion.model == "anthropic-ok", completion.model
assert completion.choices[0].message.content == "Hello! How can I help?"
assert completion.usage.prompt_tokens == 12 and completion.usage.completion_tokens == 8

tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}]
calls, finish, usage = {}, None, None
for chunk in client.chat.completions.create(model="anthropic-tools", messages=messages, tools=tools, stream=True,
                                            stream_options={"include_usage": True}):
    usage = chunk.usage or usage
    for choice in chunk.choices:
        finish = choice.finish_reason or finish
        for call in choice.delta.tool_calls or []:
            entry = calls.setdefault(call.index, {"id": None, "name": "", "arguments": ""})
            entry["id"] = call.id or entry["id"]
            if call.function:
                entry["name"] += call.function.name or ""
                entry["arguments"] += call.function.arguments or ""
assert calls == {0: {"id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather",
                     "arguments": '{"location": "San Francisco, CA", "unit": "fahrenheit"}'}}, calls
assert finish == "tool_calls" and usage.completion_tokens == 89, (finish, usage)

error = raises(openai.RateLimitError, lambda: client.chat.completions.create(model="anthropic-rate-limited", messages=messages))
assert error.response.headers.get("retry-after") == "12"
error = raises(openai.BadRequestError, lambda: client.chat.completions.create(model="anthropic-invalid", messages=messages))
assert "valid list" in str(error), str(error)
raises(openai.InternalServerError, lambda: client.chat.completions.create(model="anthropic-overloaded", messages=messages))

def read_overloaded_stream():
    list(client.chat.completions.create(model="anthropic-overloaded", messages=messages, stream=True))
error = raises(openai.APIError, read_overloaded_stream)
assert "Overloaded" in str(error), str(error)

# An Azure OpenAI deployment.
assert client.chat.completions.create(model="azure-ok", messages=messages).model == "azure-ok"

print("openai SDK checks passed")
