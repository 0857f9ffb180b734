"""The official anthropic Python SDK against a running Sluice gateway whose model
`claude-native` is an Anthropic deployment, passed through natively: prompt caching
(`cache_control`, with and without `ttl`), extended thinking, citations and a server tool,
whole and streamed.

Usage: python3 Tests/SDK/anthropic_native_check.py BASE_URL
Exits non-zero with the failing check's message when the gateway breaks the SDK's expectations.
The last line printed is a JSON object: the `anthropic-version` the SDK sends, and the usage it
read from each answer in order, for the caller to compare with what the gateway recorded.
"""
import json
import sys

import anthropic

base_url = sys.argv[1]
client = anthropic.Anthropic(base_url=base_url, api_key="sk-test", max_retries=0, timeout=10)
document = "Sluice is a gateway for language models. It relays requests."
system = [{"type": "text", "text": "You answer from the document, briefly. " * 8,
           "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
messages = [{"role": "user", "content": [
    {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": document},
     "title": "About Sluice", "citations": {"enabled": True}, "cache_control": {"type": "ephemeral"}},
    {"type": "text", "text": "What is Sluice?"},
]}]
thinking = {"type": "enabled", "budget_tokens": 1024}
usages = []


def note(usage):
    creation = usage.cache_creation
    usages.append({
        "input": usage.input_tokens, "read": usage.cache_read_input_tokens or 0,
        "write": usage.cache_creation_input_tokens or 0,
        "write_1h": creation.ephemeral_1h_input_tokens if creation else 0,
        "output": usage.output_tokens,
    })


def check_answer(message, expect_search=False):
    assert message.type == "message" and message.role == "assistant", message
    assert message.model == "claude-native", message.model
    types = [block.type for block in message.content]
    expected = ["thinking"] + (["server_tool_use", "web_search_tool_result"] if expect_search else []) + ["text"]
    assert types == expected, types
    thought = message.content[0]
    assert thought.thinking.startswith("The reader asks") and thought.signature, thought
    text = message.content[-1]
    assert text.text.startswith("Sluice word1"), text
    assert text.citations and text.citations[0].type == "char_location", text.citations
    assert text.citations[0].cited_text == document[:20], text.citations
    assert message.stop_reason == "end_turn", message.stop_reason
    return thought.thinking, text.text


# Whole: the first request writes the cache, for an hour (system) and five minutes (document).
first = client.messages.create(model="claude-native", max_tokens=2048, system=system, messages=messages, thinking=thinking)
thought, text = check_answer(first)
usage = first.usage
assert usage.cache_creation_input_tokens > 0 and usage.cache_read_input_tokens == 0, usage
assert usage.cache_creation.ephemeral_1h_input_tokens > 0 and usage.cache_creation.ephemeral_5m_input_tokens > 0, usage
assert usage.cache_creation.ephemeral_1h_input_tokens + usage.cache_creation.ephemeral_5m_input_tokens == usage.cache_creation_input_tokens, usage
assert usage.input_tokens > 0 and usage.output_tokens > 0, usage
note(usage)

# Streamed with the SDK's helper: the same request reads what the first wrote.
kinds, thinking_text, streamed_text = set(), "", ""
with client.messages.stream(model="claude-native", max_tokens=2048, system=system, messages=messages, thinking=thinking) as stream:
    for event in stream:
        kinds.add(event.type)
        if event.type == "thinking":
            thinking_text += event.thinking
        elif event.type == "text":
            streamed_text += event.text
    final = stream.get_final_message()
assert {"message_start", "thinking", "signature", "citation", "text", "message_stop"} <= kinds, kinds
assert thinking_text == thought and streamed_text == text, (thinking_text, streamed_text)
assert check_answer(final) == (thought, text)
assert final.content[0].signature == first.content[0].signature, final.content[0]
usage = final.usage
assert usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens, usage
assert usage.cache_creation_input_tokens == 0, usage
assert usage.output_tokens == first.usage.output_tokens, usage
note(usage)

# Through the SDK's beta client, with a server tool: its blocks and request count come back.
search = [{"type": "web_search_20250305", "name": "web_search", "max_uses": 1}]
beta = client.beta.messages.create(model="claude-native", max_tokens=2048, system=system, messages=messages, thinking=thinking,
                                   tools=search, betas=["extended-cache-ttl-2025-04-11"])
check_answer(beta, expect_search=True)
assert beta.content[1].name == "web_search" and beta.content[1].input == {"query": "what is sluice"}, beta.content[1]
assert beta.usage.server_tool_use.web_search_requests == 1, beta.usage
note(beta.usage)

with client.beta.messages.stream(model="claude-native", max_tokens=2048, system=system, messages=messages, thinking=thinking,
                                 tools=search, betas=["extended-cache-ttl-2025-04-11"]) as stream:
    final = stream.get_final_message()
check_answer(final, expect_search=True)
assert final.content[1].input == {"query": "what is sluice"}, final.content[1]
note(final.usage)

print("anthropic SDK native passthrough checks passed")
print(json.dumps({"version": client.default_headers["anthropic-version"], "usages": usages}))
