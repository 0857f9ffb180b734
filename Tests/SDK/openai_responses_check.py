"""The official openai Python SDK's Responses API against a running Sluice gateway.

Usage: python3 Tests/SDK/openai_responses_check.py BASE_URL
The gateway serves `stub-ok` (an OpenAI-compatible chat server), `anthropic-ok` (Anthropic),
`chat-tools` (a chat server that calls `get_weather`), `json-schema` (a chat server that answers
only with structured output) and `responses-native` (a server that speaks the Responses API).
Exits non-zero with the failing check's message when the gateway breaks the SDK's expectations.
"""
import sys

import openai
import pydantic

base_url = sys.argv[1]
client = openai.OpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0, timeout=10)

WEATHER = [{
    "type": "function", "name": "get_weather", "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"],
                   "additionalProperties": False},
    "strict": True,
}]

# Plain, translated to chat completions and back.
response = client.responses.create(model="stub-ok", input="Say hello", instructions="Be brief.")
assert response.object == "response" and response.status == "completed", response
assert response.output_text == "Hello! How can I assist you today?", response.output_text
assert response.usage.input_tokens == 19 and response.usage.output_tokens == 10, response.usage
assert response.model == "stub-ok"

# Natively, from a deployment that serves the Responses API itself.
native = client.responses.create(model="responses-native", input="Say hello")
assert native.status == "completed" and native.output_text.startswith("word0"), native
assert native.model == "responses-native"

# A function call, then its result on the next turn through previous_response_id.
called = client.responses.create(model="chat-tools", input="Weather in Paris?", tools=WEATHER)
calls = [item for item in called.output if item.type == "function_call"]
assert len(calls) == 1 and calls[0].name == "get_weather", called.output
assert calls[0].arguments == '{"location":"Paris"}', calls[0].arguments
answered = client.responses.create(
    model="chat-tools", previous_response_id=called.id, tools=WEATHER,
    input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny, 21 C"}],
)
assert "sunny, 21 C" in answered.output_text, answered.output_text

# Two turns whose second goes to another backend kind (Anthropic), with the first turn's history.
first = client.responses.create(model="stub-ok", input="My name is Ada.")
second = client.responses.create(model="anthropic-ok", previous_response_id=first.id, input="What is my name?")
assert second.status == "completed" and second.output_text, second
assert second.previous_response_id == first.id

# A response made with store=False cannot be continued.
unstored = client.responses.create(model="stub-ok", input="Hello", store=False)
try:
    client.responses.create(model="stub-ok", previous_response_id=unstored.id, input="Again")
    raise AssertionError("continuing an unstored response must fail")
except openai.BadRequestError as error:
    assert error.body["code"] == "previous_response_not_found", error.body
    assert error.body["param"] == "previous_response_id", error.body

# A stored response reads back.
assert client.responses.retrieve(first.id).output_text == first.output_text


# Structured output by JSON schema, parsed by the SDK.
class Weather(pydantic.BaseModel):
    city: str
    temperature_c: int


parsed = client.responses.parse(model="json-schema", input="Weather in Paris as JSON", text_format=Weather)
assert parsed.output_parsed == Weather(city="Paris", temperature_c=21), parsed.output_parsed

# Streamed text: the deltas build the final text.
with client.responses.stream(model="stub-ok", input="Say hello") as stream:
    deltas = "".join(event.delta for event in stream if event.type == "response.output_text.delta")
    final = stream.get_final_response()
assert deltas == "Hello there!" and final.output_text == deltas, (deltas, final.output_text)

# Streamed function call: the argument deltas build the call's arguments.
with client.responses.stream(model="chat-tools", input="Weather in Paris?", tools=WEATHER) as stream:
    arguments = "".join(event.delta for event in stream if event.type == "response.function_call_arguments.delta")
    final = stream.get_final_response()
calls = [item for item in final.output if item.type == "function_call"]
assert arguments == '{"location":"Paris"}' == calls[0].arguments, (arguments, final.output)

# Natively streamed.
with client.responses.stream(model="responses-native", input="Say hello") as stream:
    text = "".join(event.delta for event in stream if event.type == "response.output_text.delta")
    final = stream.get_final_response()
assert text == final.output_text and final.model == "responses-native", (text, final)

print("ok")
