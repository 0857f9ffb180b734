"""The official openai SDK's Responses WebSocket mode (client.responses.connect()) against Sluice.

Usage: python3 openai_responses_ws_check.py http://127.0.0.1:PORT

Two responses run one after the other on one connection, each streamed to its
response.completed; a third connection closes while its response streams, which the
driving Swift test checks ended the request as a client that left (499).
"""
import sys

from openai import OpenAI

TERMINAL = {"response.completed", "response.incomplete", "response.failed", "error"}


def read_response(connection):
    """The events of one response, up to and including the one that ends it."""
    events = []
    for event in connection:
        events.append(event)
        if event.type in TERMINAL:
            return events
    raise AssertionError(f"the connection ended mid-response after {[e.type for e in events]}")


def main() -> None:
    base_url = sys.argv[1].rstrip("/") + "/v1"
    client = OpenAI(base_url=base_url, api_key="sk-test", max_retries=0)

    with client.responses.connect() as connection:
        ids = []
        for prompt in ("Say hello", "Say it again"):
            connection.response.create(model="stub-ok", input=prompt, store=False)
            events = read_response(connection)
            types = [event.type for event in events]
            assert types[0] == "response.created", types
            assert types[-1] == "response.completed", types
            text = "".join(event.delta for event in events if event.type == "response.output_text.delta")
            assert text, f"no text deltas in {types}"
            completed = events[-1].response
            assert completed.output_text == text, (completed.output_text, text)
            assert [event.sequence_number for event in events] == list(range(len(events))), types
            ids.append(completed.id)
        assert len(set(ids)) == 2, ids

        # A malformed event gets an error event, and the connection goes on.
        connection.send({"type": "response.create", "model": "no-such-model", "input": "Hi"})
        error = read_response(connection)[-1]
        assert error.type == "error" and error.error.code == "model_not_found", error

    # Cancellation by close: the connection closes while the response streams.
    with client.responses.connect() as connection:
        connection.response.create(model="stub-slow-stream", input="Take your time", store=False)
        seen = []
        for event in connection:
            seen.append(event.type)
            if event.type == "response.output_text.delta":
                break
            assert event.type not in TERMINAL, seen
    print("openai responses websocket ok")


if __name__ == "__main__":
    main()
