# An OTLP/HTTP endpoint that accepts every export and drops it, printing one line per export;
# bench/tracing-ab.sh points a tracing gateway at it.  usage: python3 bench/otlp-sink.py PORT
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Sink.count += 1
        print("export", Sink.count, self.headers.get("content-type"), flush=True)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
