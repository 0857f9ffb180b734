"""The official openai and anthropic Python SDKs against a Sluice gateway listening with TLS.

Usage: python3 Tests/SDK/tls_sdk_check.py BASE_URL CA_FILE
BASE_URL is https://; CA_FILE is the PEM of the CA that signed the gateway's certificate, which
the SDKs trust through their HTTP client's `verify`. Exits non-zero with the failing check's
message when a check fails.
"""
import ssl
import sys

import anthropic
import openai

base_url, ca_file = sys.argv[1], sys.argv[2]
assert base_url.startswith("https://"), base_url
trusting = ssl.create_default_context(cafile=ca_file)
messages = [{"role": "user", "content": "Say hello"}]

# OpenAI: chat, whole and streamed, through the OpenAI-compatible provider and the mock.
client = openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0, timeout=10,
                       http_client=openai.DefaultHttpxClient(verify=trusting))
completion = client.chat.completions.create(model="stub-ok", messages=messages)
assert completion.choices[0].message.content == "Hello! How can I assist you today?", completion
chunks = list(client.chat.completions.create(model="stub-ok", messages=messages, stream=True))
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
assert text == "Hello there!", text
completion = client.chat.completions.create(model="demo", messages=messages, max_tokens=3)
assert completion.usage.completion_tokens == 3, completion.usage

# Anthropic: messages, whole and streamed.
claude = anthropic.Anthropic(base_url=base_url, api_key="sk-test", max_retries=0, timeout=10,
                             http_client=anthropic.DefaultHttpxClient(verify=trusting))
message = claude.messages.create(model="stub-ok", max_tokens=64, messages=messages)
assert message.content[0].text == "Hello! How can I assist you today?", message.content
with claude.messages.stream(model="stub-ok", max_tokens=64, messages=messages) as stream:
    text = "".join(stream.text_stream)
assert text == "Hello there!", text

# Without the test CA the SDKs refuse the gateway's certificate: the checks above ran over
# verified TLS, not around it.
untrusting = openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0, timeout=10)
try:
    untrusting.chat.completions.create(model="demo", messages=messages)
    raise AssertionError("a client without the test CA was served")
except openai.APIConnectionError:
    pass

print("ok")
