"""The reference parser for the JSON scanner's fuzz test (Tests/SluiceTests/JSONScannerTests.swift).

Python's json module follows RFC 8259 strictly (no trailing commas, no leading zeros, no raw
control characters in strings); NaN and Infinity, its one extension, are refused here. Foundation's
parsers are no reference: both accept trailing commas.

Reads one base64 document per line from the file named by the first argument and prints a JSON
array with, for each document, null when it is refused, or what it holds: the top-level kind and,
for an object, its nesting depth and its members (a repeated key keeps its last value) with
their kind, a string's text (null when it holds an unpaired surrogate) and an integer's digits
(members is null when a key holds an unpaired surrogate).
"""
import base64
import json
import sys


def kind(value):
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return "number"


class Members(dict):
    """An object that remembers every member, repeated keys too: a value a later repeat
    replaces still counts for the nesting depth."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = pairs


def depth(value):
    if isinstance(value, Members):
        return 1 + max((depth(member) for _, member in value.pairs), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def text(value):
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def refuse(constant):
    raise ValueError(constant)


results = []
with open(sys.argv[1]) as lines:
    for line in lines:
        try:
            document = json.loads(base64.b64decode(line).decode("utf-8"), parse_constant=refuse, object_pairs_hook=Members)
        except (ValueError, RecursionError):
            results.append(None)
            continue
        if not isinstance(document, dict):
            results.append({"top": kind(document)})
            continue
        members = {key: [kind(value), text(value)] for key, value in document.items()}
        if any(text(key) is None for key in members):
            members = None
        results.append({"top": "object", "depth": depth(document), "members": members})
print(json.dumps(results))
