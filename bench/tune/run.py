#!/usr/bin/env python3
"""`prescale tune` measured: the timing of a 30-day 1-minute trace over the default grid (120
candidates) on 2 threads, and the acceptance runs of issue 15 (SPY's first 3 days searched and
its last 2 validated; 14 days of scripts/orderflow.py), with their recommended settings and
validation figures. Writes RESULTS.md beside this script and docs/tune-spy.svg (the SPY frontier).

Usage: bench/tune/run.py [--bin build/bin/prescale] [--data ../shared/data] [--threads 2]
Exit status: 0 when every goal is met, 1 when one is not, 2 when a run fails.
Timing is wall time on a shared machine; the CPU time of the run is reported beside it.
"""
import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
END = 1764547200  # 2025-12-01 00:00 UTC: fixed, so the synthetic traces do not change


def orderflow(days, path):
    with open(path, "w") as out:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "orderflow.py"), "trace",
                        "--days", str(days), "--step", "60", "--seed", "1", "--end", str(END)],
                       stdout=out, check=True)


def tune(binary, args, cwd=None):
    """Runs tune (in `cwd`); returns (json, wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run([binary, "tune", "--quiet", "--json", "-"] + args,
                          capture_output=True, text=True, cwd=cwd)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"run.py: tune {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return json.loads(proc.stdout), wall, cpu, proc.stderr


def knobs(k):
    return (f"q={k['quantile']:g} lead={k['lead']} hold={k['scale_down_hold']} model={k['model']}"
            f" target={k['target_utilization']:g} events x{k['event_window_scale']:g}")


def acceptance_row(name, j):
    v = j["validation"]
    rec, cur = v["recommended"], v["current"]
    ok = v["recommended_meets_constraints"] and \
        rec["equal_cost_advantage"] >= cur["equal_cost_advantage"]
    row = (f"| {name} | {knobs(j['recommended']['knobs'])} "
           f"| {100 * rec['prescale']['unserved_fraction']:.3f} %, {rec['prescale']['cost']:.3f}x "
           f"| {100 * cur['prescale']['unserved_fraction']:.3f} %, {cur['prescale']['cost']:.3f}x "
           f"| {100 * rec['reactive_matched']['unserved_fraction']:.3f} % "
           f"| **{rec['equal_cost_advantage']:.2f}** vs {cur['equal_cost_advantage']:.2f} "
           f"| {'yes' if ok else 'NO'} |")
    return row, ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin", "prescale"))
    ap.add_argument("--data", default=os.path.join(os.path.dirname(ROOT), "shared", "data"))
    ap.add_argument("--threads", default="2")
    a = ap.parse_args()
    a.bin, a.data = os.path.abspath(a.bin), os.path.abspath(a.data)
    goals = []
    with tempfile.TemporaryDirectory() as tmp:
        of30, of14 = os.path.join(tmp, "orderflow_30d_1m.csv"), os.path.join(tmp, "of14.csv")
        orderflow(30, of30)
        orderflow(14, of14)
        load = os.getloadavg()[0]
        big, wall, cpu, _ = tune(a.bin, ["--trace", of30, "--threads", a.threads])
        n = len(big["candidates"])
        goals.append((f"30-day 1-minute tune over {n} candidates on {a.threads} threads: "
                      f"{wall:.1f} s wall ({cpu:.1f} s CPU; load average {load:.1f} before the "
                      f"run) < 60 s", wall < 60 and n >= 100))
        rows = []
        spy = os.path.join(a.data, "spy_trade_count_1m.csv")
        runs = [("orderflow.py, 14 days (default policy)", ["--trace", of14, "--max-cost", "1.2"])]
        if os.path.exists(spy):
            svg = os.path.join(ROOT, "docs", "tune-spy.svg")
            runs.insert(0, ("SPY, 3 days searched, 2 validated (spy.yaml)",
                            ["--trace", os.path.basename(spy), "--config",
                             os.path.join(ROOT, "bench", "backtest", "policies", "spy.yaml"),
                             "--train-fraction", "0.6", "--max-cost", "1.2", "--svg", svg,
                             "--threads", a.threads]))
        for name, args in runs:
            j, wall, cpu, _ = tune(a.bin, args, cwd=a.data if os.path.isdir(a.data) else None)
            row, ok = acceptance_row(name, j)
            rows.append(row + f" {wall:.1f} s |")
            goals.append((f"{name}: meets --max-cost 1.2 on validation, ECA >= the current "
                          f"policy's", ok))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# prescale tune: results", "",
             f"Generated {stamp} by `bench/tune/run.py` (wall times on a shared 2-core machine).",
             "", "## Goals", ""]
    lines += [f"- [{'x' if ok else ' '}] {text}" for text, ok in goals]
    lines += ["", "## Acceptance runs (`--max-cost 1.2`)", "",
              "Validation part: figures after the split, the training part as warm-up. Cost: "
              "pod-seconds over a reactive HPA's at the current policy's target.", "",
              "| history | recommended | recommended: unserved, cost | current: unserved, cost "
              "| reactive_matched (recommended's cost) | ECA, recommended vs current | goal | "
              "time |", "|---|---|---:|---:|---:|---:|---|---:|"] + rows
    lines += ["", "## 30-day timing run", "",
              f"`prescale tune --trace orderflow_30d_1m.csv --threads {a.threads}` (default "
              f"policy, default grid: {n} candidates, 24 pipeline runs on the 18-day training "
              f"part sharing the fits of each lead, two 30-day validation backtests side by side); "
              f"recommended "
              f"{knobs(big['recommended']['knobs'])}.", ""]
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
