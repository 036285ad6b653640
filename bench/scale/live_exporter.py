#!/usr/bin/env python3
"""Live /metrics for the scale scenario: continues every counter of bench/scale/openmetrics_gen's
history from its value at the history's end, so Prometheus keeps scraping fresh samples and the
rate stays continuous.

usage: live_exporter.py STATE_TSV PORT

STATE_TSV: first line END (Unix seconds), then one line per series: `{labels}`, the counter at
END, base, phase. The counter grows at base * (1 + 0.6 sin(2 pi t / 86400 + phase)) per second
(the generator's mean rate; its +-20 % noise is left out), integrated exactly.
Python 3 standard library only; serves 127.0.0.1 only.
"""
import http.server
import math
import sys
import time

OMEGA = 2 * math.pi / 86400


def main():
    state_path, port = sys.argv[1], int(sys.argv[2])
    with open(state_path) as f:
        end = float(f.readline())
        series = []
        for line in f:
            labels, total, base, phase = line.rstrip("\n").split("\t")
            series.append((f"orders_total{labels} ", int(total), float(base), float(phase)))

    def render():
        now = time.time()
        out = ["# TYPE orders_total counter\n"]
        for prefix, total, base, phase in series:
            grown = base * ((now - end) - 0.6 / OMEGA * (math.cos(OMEGA * now + phase) -
                                                         math.cos(OMEGA * end + phase)))
            out.append(f"{prefix}{total + int(grown)}\n")
        return "".join(out).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = render()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
