#!/usr/bin/python3
"""Checks of manifests/monitoring (stdlib only; promtool from Debian's prometheus package).

  check_monitoring.py rules       promtool check rules; prometheusrule.yaml matches the rules file
  check_monitoring.py unit        promtool test rules on prescale-rules.test.yaml
  check_monitoring.py coverage    every alert has a firing and a silent unit test, a runbook_url
                                  on the base URL of runbook-base-url and a runbook section in
                                  manifests/README.md
  check_monitoring.py dashboard   every dashboard query parses as PromQL (promtool) and every
                                  panel has a title and at least one query
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MONITORING = os.path.join(ROOT, "manifests", "monitoring")
RULES = os.path.join(MONITORING, "prescale-rules.yaml")
UNIT = os.path.join(HERE, "prescale-rules.test.yaml")
DASHBOARD = os.path.join(MONITORING, "grafana-dashboard.json")
README = os.path.join(ROOT, "manifests", "README.md")


def run(cmd):
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd).returncode


def alert_names():
    with open(RULES) as f:
        return re.findall(r"^\s*- alert:\s*(\S+)\s*$", f.read(), re.M)


def check_rules():
    rc = run(["promtool", "check", "rules", RULES])
    rc |= run([os.path.join(MONITORING, "sync-rules"), "--check"])
    return rc


def check_unit():
    return run(["promtool", "test", "rules", UNIT])


def check_coverage():
    """Reads the unit-test file line by line: each `alertname:` is followed by its exp_alerts."""
    alerts = alert_names()
    firing, silent = set(), set()
    current = None
    with open(UNIT) as f:
        for line in f:
            m = re.match(r"^\s*alertname:\s*(\S+)", line)
            if m:
                current = m.group(1)
                continue
            m = re.match(r"^\s*exp_alerts:\s*(\[\])?", line)
            if m and current:
                (silent if m.group(1) else firing).add(current)
                current = None
    with open(RULES) as f:
        rules_text = f.read()
    with open(os.path.join(MONITORING, "runbook-base-url")) as f:
        base = f.readline().strip()
    with open(README) as f:
        readme = f.read()
    problems = []
    if not alerts:
        problems.append("no alerts found in " + RULES)
    for a in alerts:
        if a not in firing:
            problems.append(f"{a}: no unit test where it fires")
        if a not in silent:
            problems.append(f"{a}: no unit test where it stays silent")
        if f"runbook_url: {base}#{a.lower()}" not in rules_text:
            problems.append(f"{a}: runbook_url is not {base}#{a.lower()}")
        if not re.search(rf"^#+ {a}\s*$", readme, re.M):
            problems.append(f"{a}: no '### {a}' runbook section in manifests/README.md")
    for p in problems:
        print("FAIL " + p)
    print(f"{len(alerts)} alerts, {len(problems)} problems")
    return 1 if problems else 0


def dashboard_queries(dash):
    for panel in dash.get("panels", []):
        for t in panel.get("targets", []):
            yield panel.get("title", "?"), t.get("expr", "")
    for a in dash.get("annotations", {}).get("list", []):
        if a.get("expr"):
            yield "annotation " + a.get("name", "?"), a["expr"]


def substitute(expr, dash):
    """Grafana variables: the textbox's default, a regex for multi-value ones, a duration."""
    values = {"__rate_interval": "5m", "__interval": "1m", "policy": ".*", "datasource": ""}
    for v in dash["templating"]["list"]:
        if v["type"] == "textbox":
            values[v["name"]] = v["query"]
    out = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: values[m.group(1) or m.group(2)], expr)
    return out


def check_dashboard():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    problems = []
    panels = dash.get("panels", [])
    ids = [p.get("id") for p in panels]
    if len(set(ids)) != len(ids):
        problems.append("panel ids are not unique")
    for p in panels:
        if not p.get("title") or not p.get("targets"):
            problems.append(f"panel {p.get('id')}: no title or no query")
    queries = list(dashboard_queries(dash))
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("groups:\n  - name: dashboard\n    rules:\n")
        for i, (title, expr) in enumerate(queries):
            f.write(f"      - record: dashboard:query{i}\n        expr: {json.dumps(substitute(expr, dash))}\n")
        path = f.name
    try:
        rc = run(["promtool", "check", "rules", path])
    finally:
        os.unlink(path)
    for p in problems:
        print("FAIL " + p)
    print(f"{len(panels)} panels, {len(queries)} queries")
    return 1 if problems or rc else 0


def main():
    checks = {"rules": check_rules, "unit": check_unit, "coverage": check_coverage, "dashboard": check_dashboard}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    return checks[sys.argv[1]]()


if __name__ == "__main__":
    sys.exit(main())
