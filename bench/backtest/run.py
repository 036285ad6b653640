#!/usr/bin/env python3
"""Backtests of every trace in ../shared/data with `prescale backtest`, as one Markdown table,
checked against the goals of bench/backtest/README.md; plus the SPY plot and a 30-day 1-minute timing run.

Usage: bench/backtest/run.py [--bin build/bin/prescale] [--data ../shared/data]
                             [--out bench/backtest/RESULTS.md] [--plot docs/backtest-spy.svg]
Exit status: 0 when every goal is met, 1 when one is not, 2 when a run fails.
"""
import argparse
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STRATEGIES = ["reactive", "seasonal_naive", "prescale", "oracle"]
SPY = "spy_trade_count_1m.csv"
QUANTILES = [0.7, 0.8, 0.9]
HOLDS = ["5m", "0s"]


def run_backtest(binary, trace, extra):
    """Runs in the trace's folder so that reports and plots name the file, not a path."""
    folder, name = os.path.split(os.path.abspath(trace))
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        started = time.monotonic()
        proc = subprocess.run([binary, "backtest", "--trace", name, "--json", out.name,
                               "--perfect-forecast"] + extra,
                              capture_output=True, text=True, cwd=folder)
        seconds = time.monotonic() - started
        if proc.returncode != 0:
            sys.exit(f"run.py: backtest of {trace} failed ({proc.returncode}): {proc.stderr}")
        with open(out.name) as f:
            return json.load(f), seconds


def span_days(trace):
    with open(trace) as f:
        next(f)
        first = last = None
        for line in f:
            if line.strip():
                t = float(line.split(",")[0])
                first = t if first is None else first
                last = t
    return (last - first) / 86400


def fmt_lead(v):
    return "-" if v is None else f"{v:+.0f} s"


def table(results):
    lines = ["| trace | days | strategy | unserved | pod-hours (x reactive) | spikes ready "
             "| median lead | run time |",
             "|---|---:|---|---:|---:|---:|---:|---:|"]
    for name, (j, days, seconds) in results.items():
        reactive_pods = j["strategies"]["reactive"]["pod_seconds"]
        for k, s in enumerate(STRATEGIES + ["perfect_forecast"]):
            r = j["strategies"][s]
            lines.append(
                f"| {name if k == 0 else ''} | {f'{days:.2f}' if k == 0 else ''} | {s} "
                f"| {100 * r['unserved_fraction']:.3f} % "
                f"| {r['pod_seconds'] / 3600:.0f} ({r['pod_seconds'] / reactive_pods:.2f}) "
                f"| {r['spikes_ready_before_onset']}/{len(j['spikes'])} "
                f"| {fmt_lead(r['median_spike_lead_seconds'])} "
                f"| {f'{seconds:.1f} s' if k == 0 else ''} |")
    return "\n".join(lines)


def spy_open_goal(j):
    """Every 09:30 New York open from the fourth trading day on has a spike onset within
    10 minutes for which prescale was ready (lead >= 0). Returns (ok, details)."""
    ny = zoneinfo.ZoneInfo("America/New_York")
    start = datetime.datetime.fromtimestamp(j["start"], ny)
    end = start + datetime.timedelta(seconds=j["seconds"])
    days, d = [], start.date()
    while d <= end.date():
        if d.weekday() < 5:
            days.append(d)
        d += datetime.timedelta(days=1)
    details, ok = [], True
    for i, day in enumerate(days):
        if i < 3:
            continue
        open_t = datetime.datetime(day.year, day.month, day.day, 9, 30, tzinfo=ny).timestamp()
        near = [s for s in j["spikes"] if abs(s["onset"] - open_t) <= 600]
        lead = near[0]["lead_seconds"]["prescale"] if near else None
        ready = lead is not None and lead >= 0
        ok = ok and ready
        details.append(f"{day.isoformat()} open: prescale lead {fmt_lead(lead)}"
                       + ("" if near else " (no spike onset detected)"))
    return ok, details


def synthetic_month(path):
    """30 days of 1-minute buckets: a daily cycle, a weekly cycle, an open-like spike and
    deterministic noise, so the timing run needs no data files."""
    state = 12345
    with open(path, "w") as f:
        f.write("timestamp,value\n")
        for m in range(30 * 1440):
            state = (1103515245 * state + 12345) % 2**31
            noise = state / 2**31
            minute = m % 1440
            daily = 100 + 80 * math.sin(2 * math.pi * minute / 1440)
            weekly = 0.6 if (m // 1440) % 7 >= 5 else 1.0
            spike = 600 if 570 <= minute < 575 else 0
            f.write(f"{1700000000 + 60 * m},{(daily + spike) * weekly * (0.8 + 0.4 * noise):.0f}\n")


def perfect_forecast_table(a, results):
    """prescale's decision on the true future demand (--perfect-forecast) at the policy's hold
    and without it: the cost of the decision rule alone, which every model's cost sits above."""
    with open(os.path.join(HERE, "spy-calendar.yaml")) as f:
        no_hold = f.read().replace("scale_down_hold: 5m", "scale_down_hold: 0s")
    lines = ["", "## The decision rule without forecast error", "",
             "`perfect_forecast`: the default policy's decision (maximum over [now, now + lead], "
             "never below the observed value, the hold) on the true demand instead of a "
             "q-forecast. Pod-seconds x reactive; the goal is <= 1.15.", "",
             "| trace | prescale | perfect_forecast, hold 5m | perfect_forecast, hold 0s "
             "| perfect_forecast unserved, spikes ready |",
             "|---|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "policy.yaml")
        with open(config, "w") as f:
            f.write(no_hold)
        for name, (j, days, _) in results.items():
            if days < 2:
                continue
            extra = ["--config", config] + ([] if name == SPY else ["--no-events"])
            j0, _ = run_backtest(a.bin, os.path.join(a.data, name), extra)
            st, st0 = j["strategies"], j0["strategies"]
            pf = st["perfect_forecast"]
            lines.append(
                f"| {name} | {st['prescale']['pod_seconds'] / st['reactive']['pod_seconds']:.3f} "
                f"| {pf['pod_seconds'] / st['reactive']['pod_seconds']:.3f} "
                f"| {st0['perfect_forecast']['pod_seconds'] / st0['reactive']['pod_seconds']:.3f} "
                f"| {100 * pf['unserved_fraction']:.3f} %, "
                f"{pf['spikes_ready_before_onset']}/{len(j['spikes'])} |")
    return lines


def sensitivity_table(a, traces):
    """prescale's unserved fraction and cost against quantile and scale_down_hold, on the
    traces of two days or more (the default policy otherwise)."""
    with open(os.path.join(HERE, "spy-calendar.yaml")) as f:
        base = f.read()
    lines = ["", "## Sensitivity of prescale to quantile and scale_down_hold", "",
             "unserved % (seasonal_naive's) / pod-seconds x reactive", "",
             "| trace | " + " | ".join(f"q={q} hold={h}" for q in QUANTILES for h in HOLDS) + " |",
             "|---|" + "---:|" * (len(QUANTILES) * len(HOLDS))]
    with tempfile.TemporaryDirectory() as tmp:
        for name in traces:
            path = os.path.join(a.data, name)
            if span_days(path) < 2:
                continue
            cells = []
            for q in QUANTILES:
                for h in HOLDS:
                    text = base.replace("quantile: 0.9", f"quantile: {q}").replace(
                        "scale_down_hold: 5m", f"scale_down_hold: {h}")
                    config = os.path.join(tmp, "policy.yaml")
                    with open(config, "w") as f:
                        f.write(text)
                    extra = ["--config", config] + ([] if name == SPY else ["--no-events"])
                    j, _ = run_backtest(a.bin, path, extra)
                    st = j["strategies"]
                    cells.append(f"{100 * st['prescale']['unserved_fraction']:.3f} "
                                 f"({100 * st['seasonal_naive']['unserved_fraction']:.3f}) / "
                                 f"{st['prescale']['pod_seconds'] / st['reactive']['pod_seconds']:.2f}")
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default=os.environ.get("PRESCALE_BIN",
                                                   os.path.join(ROOT, "build/bin/prescale")),
                   type=os.path.abspath)
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    p.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--plot", default=os.path.join(ROOT, "docs", "backtest-spy.svg"),
                   type=os.path.abspath)
    p.add_argument("--sensitivity", action="store_true",
                   help="also run prescale at quantiles 0.7/0.8/0.9 with and without the hold")
    a = p.parse_args()
    if not os.path.isdir(a.data):
        print(f"run.py: no data folder {a.data}; nothing to do")
        return 0
    traces = sorted(f for f in os.listdir(a.data) if f.endswith(".csv"))
    results = {}
    for name in traces:
        path = os.path.join(a.data, name)
        extra = []
        if name == SPY:
            extra = ["--config", os.path.join(HERE, "spy-calendar.yaml"), "--plot", a.plot]
        j, seconds = run_backtest(a.bin, path, extra)
        results[name] = (j, span_days(path), seconds)
        print(f"{name}: {seconds:.1f} s", file=sys.stderr)

    goals = []
    closures = []
    for name, (j, days, _) in results.items():
        if days < 2:
            continue
        s = {k: j["strategies"][k] for k in STRATEGIES}
        u = {k: s[k]["unserved_fraction"] for k in STRATEGIES}
        cost = s["prescale"]["pod_seconds"] / s["reactive"]["pod_seconds"]
        if u["reactive"] > u["oracle"]:
            closures.append((u["reactive"] - u["prescale"]) / (u["reactive"] - u["oracle"]))
        goals.append((f"{name}: prescale unserved {100 * u['prescale']:.3f} % < reactive "
                      f"{100 * u['reactive']:.3f} % and seasonal_naive "
                      f"{100 * u['seasonal_naive']:.3f} %",
                      u["prescale"] < u["reactive"] and u["prescale"] < u["seasonal_naive"]))
        goals.append((f"{name}: prescale pod-seconds {cost:.3f} x reactive <= 1.15", cost <= 1.15))
    if closures:
        median = statistics.median(closures)
        goals.append((f"median gap closure {median:.2f} >= 0.6 "
                      f"({', '.join(f'{c:.2f}' for c in closures)})", median >= 0.6))
    if SPY in results:
        ok, details = spy_open_goal(results[SPY][0])
        goals.append(("SPY opens from the fourth day on ready before onset: "
                      + "; ".join(details), ok))

    with tempfile.TemporaryDirectory() as tmp:
        month = os.path.join(tmp, "synthetic_30d_1m.csv")
        synthetic_month(month)
        _, seconds = run_backtest(a.bin, month, [])
        goals.append((f"30-day 1-minute backtest (synthetic) in {seconds:.1f} s < 10 s",
                      seconds < 10))

    perfect = perfect_forecast_table(a, results)
    sensitivity = sensitivity_table(a, traces) if a.sensitivity else []

    report = ["# Backtests of ../shared/data (bench/backtest/run.py)", "",
              f"Generated {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
              "with `prescale backtest` and the default policy "
              f"(the example of docs/policy-file.md without events); {SPY} with "
              "bench/backtest/spy-calendar.yaml (open/close calendar). Pod-hours in brackets "
              "are relative to reactive. Spikes: docs/backtest.md definition; a lead >= 0 counts as "
              "ready; missed spikes count as -600 s in the median.", "",
              table(results), "", "## Goals", ""]
    report += [f"- [{'x' if ok else ' '}] {text}" for text, ok in goals]
    report += perfect + sensitivity
    with open(a.out, "w") as f:
        f.write("\n".join(report) + "\n")
    print("\n".join(report))
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
