#!/usr/bin/env python3
"""Synthetic order flow for prescale's demo and tests: a documented, seeded, deterministic model.

Counters, one series per venue (labels: venue="xnas" | "xnys" | "arcx" by default):
  orders_received_total{venue}   orders (new, cancel, replace messages) received
  traded_volume_total{venue}     shares traded

The model, on a fixed grid of --step seconds (default 15) anchored at --end; each step's levels
are taken at its middle:

  intensity(t) = base[venue] * (session(t) + open_burst(t) + close_spike(t)) + hawkes(t)

* session(t), from America/New_York wall-clock time (DST handled by zoneinfo):
    weekdays 09:30-16:00  U-shape over the session fraction x in [0, 1]:
                          0.55 + 1.4 exp(-x / 0.12) + 0.9 exp(-(1 - x) / 0.08)
                          (high at the open, a midday trough, rising into the close)
    weekdays 04:00-09:30 and 16:00-20:00   0.05 (pre-market, after hours)
    weekday nights        0.01;  weekends 0.005
* open_burst(t)   = 4.0 exp(-(t - 09:30) / 120 s) after the open: a burst decaying over minutes.
* close_spike(t)  = 0.8 over the last 10 minutes (closing-auction orders, MOC/LOC) plus
                    5.0 exp(-((t - 16:00) / 45 s)^2): the auction spike at 16:00.
* hawkes(t): self-exciting bursts (news, algos reacting to each other). Bursts arrive as a
  Hawkes process with exponential kernel: rate mu * session(t) + sum_i alpha exp(-beta (t - t_i)),
  branching ratio alpha / beta = 0.6 (< 1: stationary), beta = 1/90 s. Each burst adds
  J_i exp(-(t - t_i) / 40 s) orders per second to the venue, J_i exponential with mean
  1.5 * base[venue] * session(t_i) (bursts are small outside the session).
Counts per step are Poisson(intensity * step) (normal approximation for large means).
Traded volume per step = orders * fill ratio (0.06) * mean size (120 shares, lognormal noise);
plus the opening cross at 09:30 (0.5 % of a day's volume) and the closing cross at 16:00 (8 %).

Every venue has its own random stream seeded from (--seed, venue), and the process always starts
at --end - --days: the same arguments give the same numbers, so `serve` with the backfill's
--end/--days/--seed continues the backfilled counters exactly, and the rate stays continuous.

Modes:
  orderflow.py openmetrics --days 3 --end 1700000000 [--step 15] [--seed 1] > flow.om
      OpenMetrics for `promtool tsdb create-blocks-from openmetrics`: `# TYPE` lines, counter
      samples with timestamps in seconds over (end - days, end], and `# EOF`. With
      --out-dir DIR: one such file per UTC day (promtool re-reads its input for every 2-hour
      block, so per-day files keep the backfill linear in the number of days):
        for f in DIR/*.om; do promtool tsdb create-blocks-from openmetrics $f DATA_DIR; done
  orderflow.py serve --port 9101 --days 3 --end 1700000000 [--step 15] [--seed 1]
      A live /metrics exporter on 127.0.0.1 (Prometheus text format): fast-forwards the process
      from end - days to now, then advances it in real time; between grid points the counters
      grow linearly, so any scrape interval works.
  orderflow.py trace --venue xnas --days 5 --end 1700000000 > xnas.csv
      A prescale trace (CSV timestamp,value: orders per step) of one venue.
Python 3 standard library only.
"""

import argparse
import http.server
import math
import os
import random
import sys
import threading
import time
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
BASE_RATE = {"xnas": 1200.0, "xnys": 800.0, "arcx": 450.0}  # orders/s at session level 1
DEFAULT_BASE = 300.0
OPEN = 9 * 3600 + 1800  # 09:30 in seconds of the local day
CLOSE = 16 * 3600
FILL_RATIO = 0.06
MEAN_SIZE = 120.0
HAWKES_MU = 1.0 / 1800  # bursts per second at session level 1 (before self-excitation)
HAWKES_BETA = 1.0 / 90
HAWKES_ALPHA = 0.6 * HAWKES_BETA  # branching ratio 0.6
BURST_DECAY = 40.0
BURST_MEAN = 1.5  # x base


class LocalClock:
    """Seconds of the New York day and weekday for a Unix time, cached per UTC hour."""

    def __init__(self):
        self._cache = {}

    def __call__(self, t):
        hour = int(t // 3600)
        entry = self._cache.get(hour)
        if entry is None:
            local = datetime.fromtimestamp(hour * 3600, NEW_YORK)
            entry = (local.hour * 3600 + local.minute * 60, local.weekday())
            self._cache[hour] = entry
        seconds = entry[0] + (t - hour * 3600)
        weekday = entry[1]
        if seconds >= 86400:  # the hour crosses local midnight
            seconds -= 86400
            weekday = (weekday + 1) % 7
        return seconds, weekday


def session_level(seconds, weekday):
    if weekday >= 5:
        return 0.005
    if OPEN <= seconds < CLOSE:
        x = (seconds - OPEN) / (CLOSE - OPEN)
        return 0.55 + 1.4 * math.exp(-x / 0.12) + 0.9 * math.exp(-(1 - x) / 0.08)
    if 4 * 3600 <= seconds < OPEN or CLOSE <= seconds < 20 * 3600:
        return 0.05
    return 0.01


def scheduled_level(seconds, weekday):
    """Open burst and close spike, in units of the venue's base rate."""
    if weekday >= 5:
        return 0.0
    level = 0.0
    if OPEN <= seconds < OPEN + 1800:
        level += 4.0 * math.exp(-(seconds - OPEN) / 120.0)
    if CLOSE - 600 <= seconds < CLOSE:
        level += 0.8
    if abs(seconds - CLOSE) < 300:
        level += 5.0 * math.exp(-(((seconds - CLOSE) / 45.0) ** 2))
    return level


def poisson(rng, mean):
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, int(round(rng.gauss(mean, math.sqrt(mean)))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Venue:
    """The state of one venue's process; step() advances it by one grid step."""

    def __init__(self, name, seed, step, clock):
        self.name = name
        self.base = BASE_RATE.get(name, DEFAULT_BASE)
        self.rng = random.Random(zlib.crc32(f"{seed}/{name}".encode()))
        self.step_seconds = step
        self.clock = clock
        self.excitation = 0.0  # Hawkes intensity above the baseline, bursts/s
        self.burst_rate = 0.0  # orders/s contributed by bursts
        self.orders = 0
        self.volume = 0

    def step(self, t):
        """Advances over (t - step, t]; returns the (orders, volume) increments."""
        dt = self.step_seconds
        mid = t - dt / 2  # levels at the middle of the step
        seconds, weekday = self.clock(mid)
        session = session_level(seconds, weekday)
        self.excitation *= math.exp(-HAWKES_BETA * dt)
        self.burst_rate *= math.exp(-dt / BURST_DECAY)
        bursts = poisson(self.rng, (HAWKES_MU * session + self.excitation) * dt)
        for _ in range(bursts):
            self.excitation += HAWKES_ALPHA
            mean = BURST_MEAN * self.base * max(session, 0.01)
            self.burst_rate += self.rng.expovariate(1.0 / mean)
        intensity = self.base * (session + scheduled_level(seconds, weekday)) + self.burst_rate
        orders = poisson(self.rng, intensity * dt)
        size = MEAN_SIZE * math.exp(self.rng.gauss(0.0, 0.25) - 0.03125)
        volume = int(orders * FILL_RATIO * size)
        if weekday < 5:
            daily = self.base * 23400 * 0.9 * FILL_RATIO * MEAN_SIZE  # about a day's volume
            midnight = mid - seconds
            if t - dt <= OPEN + midnight < t:
                volume += int(0.005 * daily)
            if t - dt <= CLOSE + midnight < t:
                volume += int(0.08 * daily)
        self.orders += orders
        self.volume += volume
        return orders, volume


class Flow:
    """All venues on one grid: t0 = end - days * 86400 (exclusive), steps of `step` seconds."""

    def __init__(self, venues, seed, step, end, days):
        self.step_seconds = step
        self.t = end - int(days * 86400)
        self.t -= (self.t - end) % step  # keep end on the grid
        clock = LocalClock()
        self.venues = [Venue(v, seed, step, clock) for v in venues]

    def advance(self):
        self.t += self.step_seconds
        return [v.step(self.t) for v in self.venues]


FAMILIES = (("orders_received", "orders received by the venue (synthetic)"),
            ("traded_volume", "shares traded on the venue (synthetic)"))


def write_families(out, lines):
    """lines[family][venue]: time-ordered sample lines; writes them family by family."""
    for family, help_text in FAMILIES:
        out.write(f"# HELP {family} {help_text}\n# TYPE {family} counter\n")
        for venue_lines in lines[family].values():
            out.writelines(venue_lines)
    out.write("# EOF\n")


def write_openmetrics(args, out):
    """All samples in one file, or with --out-dir one file per UTC day (DIR/<day start>.om).

    promtool re-reads its whole input once per 2-hour block it writes, so one file of N days
    costs O(N^2); per-day files keep the backfill linear in N.
    """
    flow = Flow(args.venues, args.seed, args.step, args.end, args.days)
    days = {}  # day start -> family -> venue -> lines
    while flow.t < args.end:
        flow.advance()
        day = flow.t - flow.t % 86400 if args.out_dir else 0
        lines = days.get(day)
        if lines is None:
            lines = days[day] = {f: {v: [] for v in args.venues} for f, _ in FAMILIES}
        for v in flow.venues:
            lines["orders_received"][v.name].append(
                f'orders_received_total{{venue="{v.name}"}} {v.orders} {flow.t}\n')
            lines["traded_volume"][v.name].append(
                f'traded_volume_total{{venue="{v.name}"}} {v.volume} {flow.t}\n')
    if not args.out_dir:
        write_families(out, days.get(0, {f: {} for f, _ in FAMILIES}))
        return
    os.makedirs(args.out_dir, exist_ok=True)
    for day, lines in days.items():
        with open(os.path.join(args.out_dir, f"{day}.om"), "w") as f:
            write_families(f, lines)


def write_trace(args, out):
    flow = Flow([args.venue], args.seed, args.step, args.end, args.days)
    out.write("timestamp,value\n")
    while flow.t < args.end:
        (orders, _), = flow.advance()
        out.write(f"{flow.t - args.step},{orders}\n")  # the bucket that starts at t - step


class LiveFlow:
    """Flow advanced to wall-clock time on demand, with linear interpolation inside a step."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.flow = Flow(args.venues, args.seed, args.step, args.end, args.days)
        self.next = self.flow.advance()  # increments of the step ending at flow.t
        self.catch_up(time.time())

    def catch_up(self, now):
        # Invariant: venue counters hold the values at flow.t - step; self.next is the step
        # (flow.t - step, flow.t], already drawn, spread linearly over that interval.
        while self.flow.t <= now:
            self.next = self.flow.advance()

    def render(self):
        with self.lock:
            now = time.time()
            self.catch_up(now)
            start = self.flow.t - self.flow.step_seconds
            frac = min(1.0, max(0.0, (now - start) / self.flow.step_seconds))
            lines = ["# HELP orders_received_total orders received by the venue (synthetic)\n",
                     "# TYPE orders_received_total counter\n"]
            for v, (orders, _) in zip(self.flow.venues, self.next):
                value = v.orders - orders + int(orders * frac)
                lines.append(f'orders_received_total{{venue="{v.name}"}} {value}\n')
            lines += ["# HELP traded_volume_total shares traded on the venue (synthetic)\n",
                      "# TYPE traded_volume_total counter\n"]
            for v, (_, volume) in zip(self.flow.venues, self.next):
                value = v.volume - volume + int(volume * frac)
                lines.append(f'traded_volume_total{{venue="{v.name}"}} {value}\n')
            return "".join(lines)


def serve(args):
    live = LiveFlow(args)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = live.render().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"orderflow: serving http://127.0.0.1:{args.port}/metrics", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for name in ("openmetrics", "serve", "trace"):
        p = sub.add_parser(name)
        p.add_argument("--days", type=float, default=3.0, help="history before --end (days)")
        p.add_argument("--end", type=int, default=None, help="Unix seconds (default: now)")
        p.add_argument("--step", type=int, default=15, help="grid step in seconds")
        p.add_argument("--seed", type=int, default=1)
        if name == "openmetrics":
            p.add_argument("--out-dir", help="write one file per UTC day here instead of stdout")
        if name == "trace":
            p.add_argument("--venue", default="xnas")
        else:
            p.add_argument("--venues", default="xnas,xnys,arcx", help="comma-separated")
        if name == "serve":
            p.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    if args.end is None:
        args.end = int(time.time())
    args.end -= args.end % args.step
    if hasattr(args, "venues"):
        args.venues = [v for v in args.venues.split(",") if v]
    if args.mode == "openmetrics":
        write_openmetrics(args, sys.stdout)
    elif args.mode == "trace":
        write_trace(args, sys.stdout)
    else:
        serve(args)


if __name__ == "__main__":
    main()
