"""Measures Sluice's tokenizer-free input token estimate (what /v1/messages/count_tokens answers
for models without an Anthropic deployment) against real tokenizers: OpenAI's o200k_base and
cl100k_base, from the bpe-openai package, which ships their vocabularies.

Samples are pieces of this repository's own files (Swift code, Python, Markdown prose, YAML,
JSON) plus a few non-English texts; each is sent as one user message, and the estimate less its
fixed framing (7 tokens) is compared with the tokenizer's count of the text.
Usage: token_estimate_check.py BASE_URL [SEED]  (exits non-zero when the mean absolute error
against o200k_base passes 15 % on code, prose or YAML; JSON, with one sample, and the
non-English lines are reported only)."""

import glob
import json
import random
import statistics
import sys
import urllib.request

import bpe_openai

BASE_URL = sys.argv[1].rstrip("/")
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20261207
FRAMING = 7  # conversation (3) and one message (4)
random.seed(SEED)
print("seed", SEED)

encodings = {name: bpe_openai.get_encoding(name) for name in ("o200k_base", "cl100k_base")}


def estimate(text):
    body = json.dumps({"model": "stub-ok", "messages": [{"role": "user", "content": text}]}).encode()
    request = urllib.request.Request(
        BASE_URL + "/v1/messages/count_tokens", data=body, method="POST",
        headers={"content-type": "application/json", "x-api-key": "sk-test", "anthropic-version": "2023-06-01"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["input_tokens"] - FRAMING


def pieces(pattern, count, length=3000):
    files = sorted(glob.glob(pattern, recursive=True))
    texts = []
    for path in random.sample(files, min(count, len(files))):
        text = open(path, encoding="utf-8", errors="replace").read()
        if len(text) < 200:
            continue
        start = random.randrange(0, max(1, len(text) - length))
        texts.append(text[start:start + length])
    return texts


categories = {
    "swift code": pieces("Sources/**/*.swift", 40),
    "python": pieces("Tests/SDK/*.py", 10),
    "markdown prose": pieces("*.md", 10) + pieces("docs/**/*.md", 10),
    "yaml": pieces("examples/**/*.yaml", 10),
    "json": [json.dumps(json.loads(open(path).read()), indent=2)[:3000] for path in sorted(glob.glob("**/*.json", recursive=True))[:10] if not path.startswith(".build")],
    "non-english": [
        "Der schnelle braune Fuchs springt über den faulen Hund. Die Konfiguration des Gateways wird beim Start gelesen und bei SIGHUP neu geladen; fehlerhafte Einträge werden mit Zeile und Spalte gemeldet.",
        "Быстрая коричневая лиса прыгает через ленивую собаку. Шлюз читает конфигурацию при запуске и перечитывает её по сигналу.",
        "敏捷的棕色狐狸跳过了懒狗。网关在启动时读取配置，并在收到信号时重新加载；错误的条目会报告其行和列。",
        "素早い茶色の狐がのろまな犬を飛び越える。ゲートウェイは起動時に設定を読み込み、シグナルを受けると再読み込みする。",
        "El rápido zorro marrón salta sobre el perro perezoso. La pasarela lee su configuración al arrancar y la vuelve a leer con una señal.",
    ],
}

failed = False
print(f"{'category':<16} {'n':>3} {'tokens':>8} | " + " | ".join(f"{name}: mean err, mean |err|, p90 |err|" for name in encodings))
for category, texts in categories.items():
    texts = [text for text in texts if text.strip()]
    if not texts:
        continue
    estimates = [estimate(text) for text in texts]
    row = f"{category:<16} {len(texts):>3} {sum(estimates):>8} | "
    cells = []
    for name, encoding in encodings.items():
        errors = [(guess - len(encoding.encode(text))) / max(1, len(encoding.encode(text))) for guess, text in zip(estimates, texts)]
        absolute = sorted(abs(error) for error in errors)
        p90 = absolute[min(len(absolute) - 1, int(0.9 * len(absolute)))]
        cells.append(f"{statistics.mean(errors):+7.1%} {statistics.mean(absolute):6.1%} {p90:6.1%}")
        if name == "o200k_base" and category in ("swift code", "python", "markdown prose", "yaml") and statistics.mean(absolute) > 0.15:
            failed = True
    print(row + " | ".join(cells))
sys.exit(1 if failed else 0)
