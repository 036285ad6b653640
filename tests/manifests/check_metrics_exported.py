#!/usr/bin/python3
"""Every prescale_* and process_* metric that the alert rules and the Grafana dashboard use is really exported:
starts `prescale serve --demo-data` (with the KEDA scaler) on 127.0.0.1 with the example policy of the ConfigMap, reads
/metrics over HTTPS and looks for each name in a `# TYPE` line (histogram series by their base
name), and for each label the rules and dashboard select on, in a sample of that metric.

  check_metrics_exported.py PRESCALE_BIN

Exit 0 all exported, 1 something missing or the server did not come up, 77 (CTest: skipped)
when the binary's `serve` has no --demo-data flag yet.
"""
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
RULES = os.path.join(ROOT, "manifests", "monitoring", "prescale-rules.yaml")
DASHBOARD = os.path.join(ROOT, "manifests", "monitoring", "grafana-dashboard.json")
CONFIGMAP = os.path.join(ROOT, "manifests", "base", "policy-configmap.yaml")
sys.path.insert(0, HERE)
from check_policy import configmap_file  # noqa: E402

SUFFIXES = ("_bucket", "_sum", "_count")
# Labels the rules and dashboard aggregate by (`by (...)`), as the README documents them.
DOCUMENTED_LABELS = {
    "prescale_http_requests_total": {"path", "code"},
    "prescale_http_request_duration_seconds_bucket": {"path", "le"},
    "prescale_refresh_duration_seconds_bucket": {"le"},
    "prescale_prometheus_samples_fetched_total": {"policy"},
    "prescale_prometheus_errors_total": {"policy", "reason"},
    "prescale_data_age_seconds": {"policy"},
    "prescale_metric_stale": {"policy"},
    "prescale_served_value": {"policy", "metric", "series"},
    "prescale_capacity_limit": {"policy"},
    "prescale_forecast_mae": {"policy"},
    "prescale_forecast_naive_mae": {"policy"},
    "prescale_config_reloads_total": {"result"},
    "prescale_delegation_requests_total": {"kind", "result"},
    "prescale_build_info": {"version", "commit"},
}


def used_metrics():
    """{metric: set(label names used in selectors)} over the rules and every dashboard query."""
    with open(RULES) as f:
        texts = [f.read()]
    with open(DASHBOARD) as f:
        dash = json.load(f)
    texts += [t.get("expr", "") for p in dash["panels"] for t in p.get("targets", [])]
    texts += [v["query"]["query"] for v in dash["templating"]["list"] if isinstance(v.get("query"), dict)]
    used = {}
    for text in texts:
        for m in re.finditer(r"\b((?:prescale|process)_[a-z0-9_]+)(\{([^}]*)\})?", text):
            labels = used.setdefault(m.group(1), set())
            for lm in re.finditer(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)", m.group(3) or ""):
                if lm.group(1) not in ("job", "namespace", "pod", "instance"):  # added by the scrape
                    labels.add(lm.group(1))
    for name, labels in used.items():
        labels |= DOCUMENTED_LABELS.get(name, set())
    return used


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the self-signed certificate of --cert-dir
    with urllib.request.urlopen(url, context=ctx, timeout=5) as r:
        return r.status, r.read().decode()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = sys.argv[1]
    if not os.access(binary, os.X_OK):
        print(f"FAIL {binary} is not built")
        return 1
    help_text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    if "--demo-data" not in help_text:
        print("SKIPPED: `prescale serve` has no --demo-data flag yet (the server is not finished)")
        return 77
    used = used_metrics()
    print(f"{len(used)} prescale metrics used by the rules and the dashboard")
    with open(CONFIGMAP) as f:
        policy = configmap_file(f.read(), "prescale-policy", "policy.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "policy.yaml")
        with open(cfg, "w") as f:
            f.write(policy)
        port = free_port()
        base = f"https://127.0.0.1:{port}"
        log_path = os.path.join(tmp, "serve.log")
        cmd = [binary, "serve", "--demo-data", "--config", cfg, "--secure-port", str(port),
               "--bind-address", "127.0.0.1", "--cert-dir", os.path.join(tmp, "certs"),
               "--authorization-mode", "AlwaysAllow",
               # The KEDA scaler's metrics exist only where it runs.
               "--grpc-port", str(free_port()), "--grpc-insecure-no-client-auth"]
        print("$ " + " ".join(cmd), flush=True)
        with open(log_path, "w") as log:
            server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            text = scrape(server, base)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if text is None:
            with open(log_path) as f:
                print("server log (tail):\n" + "".join(f.readlines()[-30:]))
            return 1
    return compare(used, text)


def scrape(server, base):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            print(f"FAIL prescale serve exited with status {server.returncode}")
            return None
        try:
            if get(base + "/readyz")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.5)
    else:
        print("FAIL /readyz did not answer 200 within 90 s")
        return None
    time.sleep(6)  # one more refresh, so that per-policy series exist
    status, text = get(base + "/metrics")
    print(f"GET /metrics: {status}, {len(text.splitlines())} lines")
    return text


def compare(used, text):
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)", text, re.M))
    problems = []
    for name in sorted(used):
        base_name = name
        if name not in types:
            for s in SUFFIXES:
                if name.endswith(s) and types.get(name[: -len(s)]) in ("histogram", "summary"):
                    base_name = name[: -len(s)]
        if base_name not in types:
            problems.append(f"{name}: not exported (no # TYPE line)")
            continue
        samples = re.findall(rf"^{re.escape(name)}(?:\{{([^}}]*)\}})?\s", text, re.M)
        present = {k for s in samples for k in re.findall(r"([a-zA-Z_]\w*)=", s or "")}
        missing = sorted(l for l in used[name] if samples and l not in present)
        if missing:
            problems.append(f"{name}: samples lack the labels {missing} that the rules or dashboard select on")
        if name == "prescale_served_value" and samples:
            metrics = set(re.findall(r'metric="([^"]*)"', " ".join(s or "" for s in samples)))
            if not any(m.endswith("_forecast") for m in metrics) or all(m.endswith("_forecast") for m in metrics):
                problems.append(f"{name}: want observed and *_forecast metrics (the alerts tell them apart), got {sorted(metrics)}")
        print(f"ok   {name} ({types[base_name]}, {len(samples)} samples)")
    for p in problems:
        print("FAIL " + p)
    print(f"{len(used)} metrics used, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
