#!/usr/bin/env python3
"""Writes seed inputs for every fuzz target from the test fixtures, into Fuzz/.build/seeds/<target>/,
and a libFuzzer dictionary per target (the keys and names those seeds use) into Fuzz/Dictionaries/.

The committed corpus (Fuzz/Corpus/) is these seeds minimised with libFuzzer's -merge=1 and grown
by fuzzing; run.sh --reseed merges them in again. Only the maintainer needs Python: CI runs the
committed corpus.

Sources: the string literals of Tests/ (raw #"..."# and multi-line) that are JSON objects, SSE
streams, request heads or YAML; examples/*.yaml and bench/*.yaml; Bedrock stream events of
Tests/SluiceTranslationTests/BedrockTranslatorTests.swift encoded as AWS event-stream frames.
"""
import collections
import hashlib
import json
import pathlib
import re
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Fuzz" / ".build" / "seeds"
MAX_SEED = 64 * 1024

seeds = {}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > MAX_SEED:
        return
    seeds.setdefault(target, {})[hashlib.sha1(data).hexdigest()] = data


def literals(text):
    """Swift string literals without interpolation: raw (#"..."#, #\"\"\"...\"\"\"#) and multi-line."""
    found = []
    for match in re.finditer(r'(#+)"""\n(.*?)\n([ \t]*)"""\1', text, re.S):
        found.append(dedent(match.group(2), match.group(3)))
    for match in re.finditer(r'(?<![#\w])"""\n(.*?)\n([ \t]*)"""', text, re.S):
        body = dedent(match.group(1), match.group(2))
        if "\\(" not in body:
            found.append(swift_unescape(body))
    for match in re.finditer(r'(#+)"(.*?)"\1', text):
        if "\n" not in match.group(2) and "\\#(" not in match.group(2):
            found.append(match.group(2))
    for match in re.finditer(r'(?<![#"\\])"((?:[^"\\\n]|\\.)*)"', text):
        body = match.group(1)
        if "\\(" not in body and ("\\r\\n" in body or "<think>" in body):
            found.append(swift_unescape(body))
    return found


def dedent(body, indent):
    return "\n".join(line[len(indent):] if line.startswith(indent) else line.lstrip() for line in body.split("\n")) + "\n"


def swift_unescape(body):
    escapes = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "0": "\0", "'": "'"}
    return re.sub(r'\\u\{([0-9a-fA-F]+)\}|\\(.)', lambda m: chr(int(m.group(1), 16)) if m.group(1) else escapes.get(m.group(2), m.group(2)), body)


def classify_json(text):
    try:
        value = json.loads(text)
    except ValueError:
        return
    if not isinstance(value, dict):
        return
    add("json-scanner", text)
    keys = set(value)
    if keys & {"messages", "prompt", "input", "contents", "system", "tools"}:
        add("client-requests", text)
    if keys & {"choices", "candidates", "content", "output", "embeddings", "error", "stop_reason", "usageMetadata", "type"}:
        add("upstream-responses", text)


def classify_stream(text):
    if "data:" not in text and "event:" not in text:
        return
    add("sse-framing", text)
    add("sse-framing", text.replace("\n", "\r\n"))
    if "message_start" in text or "content_block" in text:
        add("anthropic-stream", text)
    elif "candidates" in text:
        add("gemini-stream", text)
    elif "choices" in text or "[DONE]" in text:
        add("openai-stream", text)


def frame(headers, payload):
    encoded = b""
    for name, value in headers.items():
        value = value.encode()
        encoded += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def event_frame(event_type, payload):
    return frame({":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}, payload.encode())


for path in sorted((ROOT / "Tests").rglob("*.swift")):
    text = path.read_text()
    for literal in literals(text):
        stripped = literal.strip()
        if stripped.startswith("{"):
            classify_json(stripped)
        classify_stream(literal)
        if "HTTP/1.1\r\n" in literal:
            add("http-head", literal)
        if "<think>" in literal or "</think>" in literal:
            add("reasoning-splitter", literal)
        if path.name.startswith("Config") and re.search(r"^\w+:", literal, re.M) and not stripped.startswith("{"):
            add("config-yaml", literal)
    if path.name == "BedrockTranslatorTests.swift":
        events = re.findall(r'\("(\w+)", #"(.*?)"#\)', text)
        events += re.findall(r'eventType: "(\w+)", payload: Array\(#"(.*?)"#', text)
        if events:
            add("event-stream", b"".join(event_frame(kind, payload) for kind, payload in events))
            for kind, payload in events:
                add("event-stream", event_frame(kind, payload))
        add("event-stream", frame({":exception-type": "throttlingException", ":content-type": "application/json", ":message-type": "exception"},
                                  b'{"message":"Too many requests"}'))

for pattern in ("examples/*.yaml", "bench/*.yaml"):
    for path in sorted(ROOT.glob(pattern)):
        add("config-yaml", path.read_bytes())

for head in [
    "GET /v1/responses HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    "GET /v1/responses?x=1 HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /v1/responsesX HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n",
]:
    add("http-head", head)

def tokens(data):
    """Words a mutation is unlikely to spell by chance: JSON keys and short strings, SSE field
    names, YAML keys, header names."""
    text = data.decode("utf-8", "replace")
    found = set(re.findall(r'"([A-Za-z_:.\-/]{2,40})"', text))
    found |= {m + ":" for m in re.findall(r"^[ \t-]*([A-Za-z_\-]{2,40}):", text, re.M)}
    return {t for t in found if "\\" not in t}


for target, files in sorted(seeds.items()):
    counts = collections.Counter()
    for data in files.values():
        counts.update(tokens(data))
    if target == "config-yaml":
        for path in sorted((ROOT / "Sources" / "SluiceConfig").rglob("*.swift")):
            counts.update(key + ":" for key in re.findall(r'"([a-z][a-z0-9_]{1,40})"', path.read_text()))
    words = [word for word, _ in counts.most_common(300)]
    (ROOT / "Fuzz" / "Dictionaries").mkdir(exist_ok=True)
    with open(ROOT / "Fuzz" / "Dictionaries" / f"{target}.dict", "w") as dictionary:
        for word in sorted(words):
            quoted = word if target in ("config-yaml", "http-head") else f'"{word}"'
            dictionary.write('"' + quoted.replace("\\", "\\\\").replace('"', '\\"') + '"\n')

for target, files in sorted(seeds.items()):
    directory = OUT / target
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    print(f"{target}: {len(files)} seeds, {sum(map(len, files.values()))} bytes")
