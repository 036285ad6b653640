#!/usr/bin/python3
"""Accuracy report: prescale forecast-eval versus statsmodels Holt-Winters on every trace.

For every trace in the data folder and horizons of 1 bucket, 60 s and 5 min (each at least one
bucket), runs `prescale forecast-eval` (the default `auto` model, plus the `ses` and `naive`
cores for reference) and, on the same split (first 70 % to fit, rolling origins over the rest,
same metric definitions as docs/forecast-eval.md), statsmodels' ExponentialSmoothing (additive damped
trend, additive daily season when two days fit in the training part), whose fitted parameters
are then run online over the test part. Writes one Markdown table.

Usage: bench/accuracy/run_accuracy.py [--prescale build/bin/prescale] [--data ../shared/data]
                                      [--out report.md] [--no-statsmodels]
Needs /usr/bin/python3 with python3-numpy and python3-statsmodels (Debian packages).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

TRAIN_FRACTION = 0.7
QUANTILE = 0.9
DAY = 86400.0


def load_trace(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    t, v = data[:, 0], data[:, 1]
    step = float(np.median(np.diff(t)))
    idx = np.rint((t - t[0]) / step).astype(int)
    y = np.zeros(idx[-1] + 1)
    y[idx] = v
    return t[0], step, y


def prescale_eval(binary, trace, horizon_s, model):
    cmd = [binary, "forecast-eval", "--trace", trace, "--horizon", f"{horizon_s:g}s", "--json", "-"]
    if model:
        cmd += ["--model", model]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def metrics(y, n_train, h, mean, qf, step):
    """docs/forecast-eval.md definitions; mean/qf[o] is the forecast of bucket o + h - 1 from origin o."""
    season = int(round(DAY / step))
    origins = np.arange(n_train, len(y) - h + 1)
    target = origins + h - 1
    actual = y[target]
    err = actual - mean[origins]
    mae = np.mean(np.abs(err))
    scale = np.mean(np.abs(np.diff(y[:n_train])))
    naive = np.mean(np.abs(actual - y[origins - 1]))
    rel_sn = None
    if target.min() - season >= 0:
        rel_sn = mae / np.mean(np.abs(actual - y[target - season]))
    qerr = actual - qf[origins]
    return {
        "points": len(origins),
        "mase": mae / scale if scale > 0 else None,
        "rel_naive": mae / naive if naive > 0 else None,
        "rel_seasonal_naive": rel_sn,
        "coverage": float(np.mean(actual <= qf[origins])),
        "pinball": float(np.mean(np.maximum(QUANTILE * qerr, (QUANTILE - 1) * qerr))),
    }


def statsmodels_fit(y_train, step):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    m = int(round(DAY / step))
    # statsmodels estimates one initial state per seasonal bucket: beyond a few thousand (a daily
    # season on a 1 s step has 86,400) its optimizer needs more memory than any machine has.
    seasonal = 2 <= m <= 2000 and len(y_train) >= 2 * m
    t0 = time.process_time()
    model = ExponentialSmoothing(y_train, trend="add", damped_trend=True,
                                 seasonal="add" if seasonal else None,
                                 seasonal_periods=m if seasonal else None,
                                 initialization_method="estimated")
    fit = model.fit()
    fit_seconds = time.process_time() - t0
    return fit, (m if seasonal else 0), fit_seconds


def statsmodels_forecasts(fit, m, y, n_train, h):
    """Runs the fitted additive damped Holt-Winters recursions online over the test part."""
    p = fit.params
    a, b_, g, phi = p["smoothing_level"], p["smoothing_trend"], p.get("smoothing_seasonal") or 0.0, p["damping_trend"]
    level, trend = fit.level[-1], fit.trend[-1]
    season = np.zeros(max(m, 1))
    if m:
        last = np.asarray(fit.season)[-m:]
        for i in range(m):
            season[(n_train - m + i) % m] = last[i]
    damp = sum(phi ** j for j in range(1, h + 1))
    resid = np.asarray(fit.resid)
    mean = np.full(len(y), np.nan)
    for o in range(n_train, len(y)):
        tgt = o + h - 1
        s = season[tgt % m] if m else 0.0
        mean[o] = max(0.0, level + damp * trend + s)
        # update with y[o]
        s_o = season[o % m] if m else 0.0
        new_level = a * (y[o] - s_o) + (1 - a) * (level + phi * trend)
        new_trend = b_ * (new_level - level) + (1 - b_) * phi * trend
        if m:
            season[o % m] = g * (y[o] - level - phi * trend) + (1 - g) * s_o
        level, trend = new_level, new_trend
    qf = mean + np.quantile(resid, QUANTILE) * math.sqrt(h)
    return mean, np.maximum(qf, 0.0)


# Issue 4's anchors at the 1-bucket horizon (rel_naive of SES with alpha tuned on the training
# part, and of statsmodels Holt-Winters, additive damped with a daily season).
ANCHORS = {
    "spy_trade_count_1m": (0.929, 1.042),
    "nasa_http_requests_jul1995_1m": (0.858, 0.889),
    "nab_twitter_volume_amzn_5m": (0.899, 0.939),
    "nab_nyc_taxi_passengers_30m": (1.080, 0.698),
    "azure_llm_conv_requests_1s": (0.779, 0.781),
}


def goals(rows):
    """One line per trace: the accuracy goals (bench/accuracy/README.md) for the default model."""
    out = ["| trace | rel_naive @1 bucket (goal) | rel_naive < 1, rel_seasonal_naive < 1 at "
           "every horizon | coverage in [0.85, 0.95] | fit speed-up vs statsmodels, CPU, 1 bucket "
           "(slowest horizon) | ok |",
           "|---|---|---|---|---|---|"]
    for trace in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == trace and r[2].startswith("prescale auto")]
        sm = [r for r in rows if r[0] == trace and r[2].startswith("statsmodels")]
        if not mine:
            continue
        first = min(mine, key=lambda r: r[1])
        anchor = ANCHORS.get(trace.removesuffix(".csv"))
        goal = min(anchor) if anchor else None
        rel_ok = goal is None or (first[4] is not None and first[4] <= goal)
        below_one = all((r[4] is not None and r[4] < 1) and (r[5] is None or r[5] < 1)
                        for r in mine)
        covered = all(0.85 <= r[6] <= 0.95 for r in mine)
        speedup = min(s[7] for s in sm) / first[7] if sm else None
        worst = min(s[7] for s in sm) / max(r[7] for r in mine) if sm else None
        fast = speedup is None or speedup >= 100
        out.append(f"| {trace.removesuffix('.csv')} | {fmt(first[4])} ({fmt(goal)}) | "
                   f"{'yes' if below_one else 'NO'} | "
                   f"{'yes' if covered else 'NO'} ({min(r[6] for r in mine):.3f}-"
                   f"{max(r[6] for r in mine):.3f}) | "
                   f"{'n/a' if speedup is None else f'{speedup:.0f}x ({worst:.0f}x)'} | "
                   f"{'yes' if rel_ok and below_one and covered and fast else 'NO'} |")
    return out


def fmt(v, digits=3):
    return "n/a" if v is None else f"{v:.{digits}f}"


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prescale", default=os.path.join(root, "build", "bin", "prescale"))
    ap.add_argument("--data", default=os.path.join(os.path.dirname(root), "shared", "data"))
    ap.add_argument("--out", default="-")
    ap.add_argument("--models", default="auto,ses,naive", help="prescale models to report")
    ap.add_argument("--no-statsmodels", action="store_true")
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        print(f"no data folder {args.data}: nothing to do", file=sys.stderr)
        return 0
    rows = []
    for name in sorted(f for f in os.listdir(args.data) if f.endswith(".csv")):
        path = os.path.join(args.data, name)
        _, step, y = load_trace(path)
        n_train = int(math.floor(TRAIN_FRACTION * len(y)))
        horizons = sorted({step, max(step, 60.0), max(step, 300.0)})
        sm = None
        if not args.no_statsmodels:
            sm = statsmodels_fit(y[:n_train], step)
            print(f"{name}: statsmodels fit {sm[2]:.3f} s", file=sys.stderr)
        for horizon in horizons:
            h = max(1, math.ceil(horizon / step - 1e-9))
            for model in args.models.split(","):
                r = prescale_eval(args.prescale, path, horizon, None if model == "auto" else model)
                rows.append((name, h * step, f"prescale {r['model']}", r["mase"], r["rel_naive"],
                             r["rel_seasonal_naive"], r["coverage"], r["fit_cpu_seconds"],
                             r["update_ns_per_point"]))
            if sm:
                fit, m, fit_seconds = sm
                mean, qf = statsmodels_forecasts(fit, m, y, n_train, h)
                s = metrics(y, n_train, h, mean, qf, step)
                label = "statsmodels HW damped" + (" +daily" if m else " (no season)")
                rows.append((name, h * step, label, s["mase"], s["rel_naive"],
                             s["rel_seasonal_naive"], s["coverage"], fit_seconds, None))
            print(f"{name}: horizon {h * step:g} s done", file=sys.stderr)
    lines = ["| trace | horizon | method | MASE | rel_naive | rel_seasonal_naive | coverage(0.9) "
             "| fit CPU s | update ns |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r[0].removesuffix('.csv')} | {r[1]:g} s | {r[2]} | {fmt(r[3])} | "
                     f"{fmt(r[4])} | {fmt(r[5])} | {fmt(r[6])} | {fmt(r[7], 4)} | "
                     f"{fmt(r[8], 0)} |")
    text = "\n".join(lines) + "\n\n" + "\n".join(goals(rows)) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
