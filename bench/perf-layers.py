#!/usr/bin/env python3
"""Where a Sluice profile's CPU goes, by layer of the server stack.

    perf record -F 1999 -g -p <sluice pid> -o perf.data -- sleep 6    # under load
    python3 bench/perf-layers.py perf.data

Reads the call stacks of a `perf record -g` profile (frame pointers; Swift keeps them on Linux)
and charges each sample to the first frame, walking from the leaf towards the root, that
belongs to a layer: the kernel, Sluice's own code (a type declared under Sources/), the Swift
concurrency runtime (tasks, executors, continuations), NIO's HTTP/1 codec, NIO's async bridges
(`NIOAsyncChannel` and its sequences and writers), Hummingbird with swift-http-types, or NIO's
core (event loop, channels, pipeline, buffers). Frames of the general runtime (retain/release,
malloc, generic metadata, casts, standard library) are skipped, so their cost goes to the layer
that called them. Prints the layers and the Sluice types that cost most. Needs `perf` and
`swift demangle` on the PATH. Standard library only.
"""

import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = [os.path.join(ROOT, "Sources", name) for name in ("SluiceServer", "SluiceCore", "SluiceProviders", "SluiceTranslation", "SluiceStore", "SluiceConfig")]

PREFIXES = re.compile(
    r"^(specialized |partial apply for |closure #\d+ in |implicit closure #\d+ in |protocol witness for |merged |"
    r"reabstraction thunk helper from |thunk for |static |@objc |\(\d+\) await resume partial function for |"
    r"\(\d+\) suspend resume partial function for |await resume partial function for |generic specialization <.*?> of )+"
)
LAYERS = [
    ("Swift concurrency runtime", re.compile(
        r"^(swift_task|swift_job|swift_continuation|swift_asyncLet|swift::(AsyncTask|runJob|StackAllocator|TaskGroup|addStatus|removeStatus|"
        r"ExecutorTracking|TaskLocal|updateStatusRecord|runtime::AccessSet)|withStatusRecordLock|EventLoopTaskExecutor|withTaskExecutorPreference|"
        r"withTaskCancellationHandler|UnownedJob|ExecutorJob|withUnsafe(Throwing)?Continuation|CheckedContinuation|UnsafeContinuation)")),
    ("NIO HTTP/1 codec", re.compile(
        r"^(HTTPDecoder|BetterHTTPParser|HTTPResponseEncoder|HTTPRequestEncoder|HTTP1ToHTTP|HTTPToHTTP1|NIOHTTP|c_nio_llhttp|writeChunk|"
        r"HTTPServerPipelineHandler|HTTPServerProtocolErrorHandler|HTTPHeaders|HTTPRequestHead|HTTPResponseHead|ByteToMessage|MessageToByte|"
        r"HTTPConnectionStateHandler|HTTPPart|HTTPServerRequestPart|HTTPClientResponsePart)")),
    ("NIO async bridges", re.compile(r"^(NIOAsync|NIOThrowingAsync|NIOUnsafeTransfer)")),
    ("Hummingbird and HTTPTypes", re.compile(
        r"^(Router|RouterTrie|RouterResponder|Request|Response|RequestBody|ResponseWriter|ResponseBody|HTTP1Channel|HTTPChannelHandler|"
        r"EndpointResponders|RouterMethods|MiddlewareGroup|Hummingbird|HTTPServerBuilder|Server|ApplicationRequestContextSource|URI|"
        r"HTTPFields|HTTPRequest|HTTPResponse|HTTPField|ServerChildChannel)$")),
    ("NIO core (loop, channels, pipeline, buffers)", re.compile(
        r"^(SelectableEventLoop|BaseSocketChannel|BaseStreamSocketChannel|Selector|Socket|ChannelPipeline|ChannelHandlerContext|PendingWrites|"
        r"PendingStreamWrites|EventLoop|ByteBuffer|NIO|HeadChannelHandler|TailChannelHandler|MultiThreadedEventLoopGroup|ThreadOps|"
        r"AcceptBackoff|ServerBootstrap|Posix|System|CircularBuffer|EventLoopFuture|EventLoopPromise|CallbackList|LockStorage|"
        r"_ChannelOutboundHandler|_ChannelInboundHandler|ChannelOutboundInvoker|ChannelInboundInvoker|doPendingWrite)")),
]


def sluice_types():
    declared = re.compile(r"^\s*(?:(?:public|private|fileprivate|internal|package|final)\s+)*(?:struct|class|enum|protocol|actor)\s+([A-Z]\w*)", re.M)
    names = set()
    for folder in SOURCES:
        for directory, _, files in os.walk(folder):
            for name in files:
                if name.endswith(".swift"):
                    names.update(declared.findall(open(os.path.join(directory, name), encoding="utf-8").read()))
    return names


def stacks(data):
    """Yields (frames from the leaf up, kernel flags) per sample of a perf.data file."""
    script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True, text=True).stdout
    text = subprocess.run(["swift", "demangle", "--simplified"], input=script, capture_output=True, text=True).stdout
    frames = []
    for line in text.splitlines() + [""]:
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        parts = line.strip().split(" ", 1)
        if len(parts) < 2:
            continue
        symbol, _, dso = parts[1].rpartition(" (")
        frames.append((re.sub(r"\+0x[0-9a-f]+$", "", symbol), "kernel.kallsyms" in dso))


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    types = sluice_types()
    layers = collections.Counter()
    own = collections.Counter()
    total = 0
    for frames in stacks(sys.argv[1]):
        total += 1
        layer = "general runtime with no caller in a layer"
        for symbol, in_kernel in frames:
            if in_kernel:
                layer = "kernel"
                break
            name = PREFIXES.sub("", symbol)
            head = re.match(r"[A-Za-z_]\w*", name)
            head = head.group(0) if head else name
            if head in types:
                layer = "Sluice"
                own[head] += 1
                break
            match = next((title for title, pattern in LAYERS if pattern.match(symbol) or pattern.match(head)), None)
            if match:
                layer = match
                break
        layers[layer] += 1
    if not total:
        raise SystemExit("no samples")
    print(f"{total} samples")
    for layer, count in layers.most_common():
        print(f"{count * 100 / total:6.1f} %  {layer}")
    print("Sluice's types:")
    for name, count in own.most_common(20):
        print(f"{count * 100 / total:6.1f} %  {name}")


if __name__ == "__main__":
    main()
