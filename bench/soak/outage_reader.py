#!/usr/bin/env python3
"""The client of bench/soak/run's Prometheus-outage scenario (Python standard library only).

  outage_reader.py read --port P --ca CA --cert C --key K --metrics a,b --out reads.jsonl
      Reads every metric of --metrics (GET .../namespaces/<ns>/<metric>) once per --interval
      seconds over one kept-alive TLS connection (reconnecting after a failure), and prescale's
      /metrics every --metrics-every seconds; one JSON line per answer in --out, until SIGTERM.
  outage_reader.py analyze --reads reads.jsonl --phases phases.json
      The figures of the run: API errors before max_staleness, whether a served forecast was ever
      lowered during the outage, how the served timestamps and prescale's gauges and counters
      moved, and how long after the restart the data was fresh again. Prints them as text and
      writes the markdown of RESULTS.md to --markdown.
phases.json: {"outage_start": t, "restart": t, "end": t, "max_staleness_seconds": s,
"forecast_metric": name} (Unix seconds).
"""

import argparse
import http.client
import json
import re
import signal
import ssl
import sys
import time
from datetime import datetime, timezone

GROUP = "/apis/external.metrics.k8s.io/v1beta1"
SUFFIX = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
WATCHED = ("prescale_data_age_seconds", "prescale_metric_stale", "prescale_prometheus_errors_total",
           "prescale_prometheus_samples_fetched_total", "prescale_snapshots_published_total",
           "prescale_refresh_exceptions_total", "prescale_ready")


def quantity(text):
    m = re.fullmatch(r"([+-]?[0-9.]+)([eE][+-]?[0-9]+)?([a-zA-Z]*)", text)
    if not m:
        raise ValueError(f"not a quantity: {text}")
    value = float(m.group(1) + (m.group(2) or ""))
    return value * SUFFIX[m.group(3)]


def rfc3339(text):
    return datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z").timestamp()


class Client:
    def __init__(self, args):
        self.args = args
        self.ctx = ssl.create_default_context(cafile=args.ca)
        self.ctx.load_cert_chain(args.cert, args.key)
        self.conn = None

    def get(self, path):
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPSConnection("127.0.0.1", self.args.port,
                                                            context=self.ctx, timeout=10)
                self.conn.request("GET", path, headers={"Accept": "application/json"})
                r = self.conn.getresponse()
                body = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, body, None
            except (OSError, http.client.HTTPException) as e:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                # A kept-alive connection the server closed meanwhile: one silent retry. Anything
                # else is a transport error of this read.
                if attempt == 1 or not isinstance(e, (http.client.RemoteDisconnected,
                                                      ConnectionResetError, BrokenPipeError)):
                    return 0, b"", f"{type(e).__name__}: {e}"
        return 0, b"", "unreachable"


def read(args):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    client = Client(args)
    metrics = [m for m in args.metrics.split(",") if m]
    out = open(args.out, "a", buffering=1)
    next_read = time.time()
    next_scrape = next_read
    while not stop:
        now = time.time()
        if now < next_read:
            time.sleep(min(next_read - now, 0.2))
            continue
        next_read += args.interval
        if next_read < now:
            next_read = now + args.interval
        for metric in metrics:
            t = time.time()
            status, body, error = client.get(f"{GROUP}/namespaces/{args.namespace}/{metric}")
            rec = {"t": t, "latency": time.time() - t, "metric": metric, "status": status}
            if error:
                rec["error"] = error
            elif status == 200:
                try:
                    rec["items"] = [{"labels": i.get("metricLabels", {}), "value": quantity(i["value"]),
                                     "ts": rfc3339(i["timestamp"])} for i in json.loads(body)["items"]]
                except (ValueError, KeyError) as e:
                    rec["error"] = f"bad body: {e}"
            else:
                rec["error"] = body[:300].decode("utf-8", "replace")
            out.write(json.dumps(rec) + "\n")
        if time.time() >= next_scrape:
            next_scrape += args.metrics_every
            status, body, error = client.get("/metrics")
            rec = {"t": time.time(), "kind": "metrics", "status": status}
            if status == 200:
                rec["samples"] = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
                                  for line in body.decode().splitlines()
                                  if line.startswith(WATCHED)}
            else:
                rec["error"] = error or body[:200].decode("utf-8", "replace")
            out.write(json.dumps(rec) + "\n")
    out.close()


def series_key(labels):
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def analyze(args):
    phases = json.load(open(args.phases))
    t_out, t_restart, t_end = phases["outage_start"], phases["restart"], phases["end"]
    staleness = phases["max_staleness_seconds"]
    forecast = phases["forecast_metric"]
    reads, scrapes = [], []
    for line in open(args.reads):
        rec = json.loads(line)
        (scrapes if rec.get("kind") == "metrics" else reads).append(rec)
    t0 = reads[0]["t"]
    lines, md = [], []

    def phase(t):
        return "before" if t < t_out else "outage" if t < t_restart else "after"

    # 1. API errors, per phase and metric; the deadline is outage start + max_staleness.
    errors = {}
    counts = {}
    latencies = []
    first_error = {}
    for r in reads:
        key = (phase(r["t"]), r["metric"])
        counts[key] = counts.get(key, 0) + 1
        latencies.append(r["latency"])
        if r["status"] != 200 or "error" in r:
            errors[key] = errors.get(key, 0) + 1
            first_error.setdefault(key, f"{r['status']} {r.get('error', '')[:160]}")
    before_deadline = [r for r in reads if r["t"] < t_out + staleness]
    errors_before_deadline = sum(1 for r in before_deadline if r["status"] != 200 or "error" in r)
    lines.append(f"reads: {len(reads)} over {(reads[-1]['t'] - t0) / 60:.1f} min "
                 f"(outage {(t_restart - t_out) / 60:.1f} min, max_staleness {staleness / 60:.0f} min)")
    for key in sorted(counts):
        lines.append(f"  {key[0]:>6} {key[1]}: {counts[key]} reads, {errors.get(key, 0)} errors"
                     + (f" (first: {first_error[key]})" if key in first_error else ""))
    lines.append(f"API errors before max_staleness: {errors_before_deadline} of {len(before_deadline)}"
                 " reads (goal 0)")
    latencies.sort()
    lines.append(f"read latency p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
                 f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")

    # 2. The forecast never lowered during the outage: each read against the previous one. A
    # drop whose served timestamp advanced is a decision on a bucket fetched before the kill that
    # settled (grace) after it; the guarantee is about reads where no new data arrived.
    prev = {}
    lowered_new_data, lowered_no_data, compared = [], [], 0
    lowered_outside = 0
    values = {}
    for r in reads:
        if r["metric"] != forecast or "items" not in r:
            continue
        for item in r["items"]:
            k = series_key(item["labels"])
            if k in prev:
                pt, pv, pts = prev[k]
                if phase(r["t"]) == "outage" and phase(pt) == "outage":
                    compared += 1
                    if item["value"] < pv:
                        (lowered_new_data if item["ts"] > pts else lowered_no_data).append(
                            (r["t"] - t_out, k, pv, item["value"], item["ts"] - pts))
                elif item["value"] < pv:
                    lowered_outside += 1
            prev[k] = (r["t"], item["value"], item["ts"])
            if phase(r["t"]) == "outage":
                values.setdefault(k, []).append(item["value"])
    lines.append(f"forecast lowered during the outage, no new data (served timestamp unchanged): "
                 f"{len(lowered_no_data)} of {compared} consecutive read pairs (goal 0)")
    lines.append(f"forecast lowered during the outage with a newer served timestamp (a bucket fetched "
                 f"before the kill, settled after it): {len(lowered_new_data)}; lowered outside the "
                 f"outage (allowed): {lowered_outside}")
    for t, k, a, b, dts in (lowered_no_data + lowered_new_data)[:6]:
        lines.append(f"  at outage+{t:.0f}s {k}: {a:g} -> {b:g} (served timestamp +{dts:.0f} s)")
    for k, v in sorted(values.items()):
        lines.append(f"  {k}: forecast during the outage from {v[0]:g} to {v[-1]:g} "
                     f"(min {min(v):g}, max {max(v):g}, {len(set(v))} distinct values)")

    # 3. Served timestamps: how they moved in each phase (per metric, first series).
    ts_summary = {}
    for r in reads:
        if "items" not in r or not r["items"]:
            continue
        ts = max(i["ts"] for i in r["items"])
        ts_summary.setdefault((r["metric"], phase(r["t"])), []).append((r["t"], ts))
    for (metric, ph), pts in sorted(ts_summary.items()):
        ages = [t - ts for t, ts in pts]
        distinct = sorted({ts for _, ts in pts})
        gaps = [b - a for a, b in zip(distinct, distinct[1:])]
        lines.append(f"  {metric} {ph}: served timestamp {len(distinct)} distinct values, largest step "
                     f"{max(gaps) if gaps else 0:.0f} s, age of the served timestamp {min(ages):.0f}-{max(ages):.0f} s")

    # 4. prescale's own gauges and counters.
    def sample(rec, prefix):
        return {k: v for k, v in rec.get("samples", {}).items() if k.startswith(prefix)}

    ok_scrapes = [s for s in scrapes if s.get("samples")]
    if ok_scrapes:
        before = [s for s in ok_scrapes if s["t"] < t_out]
        last_before = before[-1] if before else ok_scrapes[0]
        at_restart = [s for s in ok_scrapes if s["t"] <= t_restart][-1]
        final = ok_scrapes[-1]
        errs = {k: v - last_before["samples"].get(k, 0)
                for k, v in sample(final, "prescale_prometheus_errors_total").items()}
        errs = {k: v for k, v in errs.items() if v}
        lines.append(f"prescale_prometheus_errors_total during the outage: "
                     f"{sum(errs.values()) :.0f} ({', '.join(f'{k}: +{v:.0f}' for k, v in errs.items())})")
        age_max = max(max(sample(s, "prescale_data_age_seconds").values() or [0]) for s in ok_scrapes)
        stale_max = max(max(sample(s, "prescale_metric_stale").values() or [0]) for s in ok_scrapes)
        lines.append(f"prescale_data_age_seconds max {age_max:.0f} s, prescale_metric_stale max "
                     f"{stale_max:.0f}; at the restart: data age "
                     f"{max(sample(at_restart, 'prescale_data_age_seconds').values() or [0]):.0f} s")
        fresh = None
        for s in ok_scrapes:
            if s["t"] < t_restart:
                continue
            age = max(sample(s, "prescale_data_age_seconds").values() or [1e9])
            stale = max(sample(s, "prescale_metric_stale").values() or [1])
            if age < 60 and stale == 0:
                fresh = s["t"] - t_restart
                break
        fetched = lambda s: sum(sample(s, "prescale_prometheus_samples_fetched_total").values())
        after = [s for s in ok_scrapes if s["t"] >= t_restart]
        lines.append(
            "after the restart: data age < 60 s and prescale_metric_stale 0 "
            + (f"{fresh:.0f} s after Prometheus restarted" if fresh is not None else "NEVER within the run")
            + f"; samples fetched during the outage {fetched(at_restart) - fetched(last_before):.0f}, "
            f"in the recovery phase {fetched(final) - fetched(at_restart):.0f}")
        if after:
            lines.append(f"final gauges: data age {max(sample(final, 'prescale_data_age_seconds').values()):.0f} s, "
                         f"stale {max(sample(final, 'prescale_metric_stale').values()):.0f}, "
                         f"refresh exceptions {sum(sample(final, 'prescale_refresh_exceptions_total').values()):.0f}")
    failed_scrapes = [s for s in scrapes if not s.get("samples")]
    if failed_scrapes:
        lines.append(f"/metrics scrapes failed: {len(failed_scrapes)} of {len(scrapes)}")
    print("\n".join(lines))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")
    ok = errors_before_deadline == 0 and not lowered_no_data
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("read")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--ca", required=True)
    r.add_argument("--cert", required=True)
    r.add_argument("--key", required=True)
    r.add_argument("--metrics", required=True)
    r.add_argument("--namespace", default="default")
    r.add_argument("--interval", type=float, default=1.0)
    r.add_argument("--metrics-every", type=float, default=5.0)
    r.add_argument("--out", required=True)
    a = sub.add_parser("analyze")
    a.add_argument("--reads", required=True)
    a.add_argument("--phases", required=True)
    a.add_argument("--markdown")
    args = p.parse_args()
    if args.mode == "read":
        read(args)
        return 0
    return analyze(args)


if __name__ == "__main__":
    sys.exit(main())
