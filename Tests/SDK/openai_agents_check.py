"""The openai-agents package running an agent with a function tool through a Sluice gateway, on
its default model class (the Responses API).

Usage: python3 Tests/SDK/openai_agents_check.py BASE_URL
The gateway's `chat-tools` model calls `get_weather`, then quotes the tool's result.
"""
import sys

import agents
from openai import AsyncOpenAI

base_url = sys.argv[1]
agents.set_default_openai_client(AsyncOpenAI(base_url=base_url + "/v1", api_key="sk-test", max_retries=0, timeout=10),
                                 use_for_tracing=False)
agents.set_default_openai_api("responses")
agents.set_tracing_disabled(True)

calls = []


@agents.function_tool
def get_weather(location: str) -> str:
    """The weather in a city."""
    calls.append(location)
    return f"sunny, 21 C in {location}"


agent = agents.Agent(name="Weather", instructions="Answer with the weather tool.", model="chat-tools", tools=[get_weather])
result = agents.Runner.run_sync(agent, "What is the weather in Paris?")
assert calls == ["Paris"], calls
assert "sunny, 21 C in Paris" in result.final_output, result.final_output
print("ok")
