// Fuzzes the demand-trace CSV reader (ParseTraceCsv), which `backtest` and `forecast-eval` run
// on files people hand them.
//
// Input: the file content.
// Invariants:
// - no exception; deterministic; an error names a line within the file, or 0;
// - a trace has at least two buckets and at most kMaxTraceBuckets, a finite start, a finite
//   positive step, and finite non-negative values;
// - writing a well-conditioned trace back as CSV (every bucket, shortest round-trip numbers)
//   and parsing it again gives the same step grid and the same values.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "forecasting/trace.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using prescale::forecasting::ParseTraceCsv;
using prescale::forecasting::Trace;
using prescale::forecasting::TraceError;

std::string Number(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

bool SameValues(const Trace& a, const Trace& b) {
  return a.values == b.values && a.start_unix == b.start_unix && a.step_seconds == b.step_seconds;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = prescale::fuzz::AsText(data, size);
  const auto parsed = ParseTraceCsv(text);
  const auto again = ParseTraceCsv(text);
  FUZZ_CHECK(parsed.index() == again.index(), "ParseTraceCsv is not deterministic");
  if (const auto* e = std::get_if<TraceError>(&parsed)) {
    const long lines = static_cast<long>(std::count(text.begin(), text.end(), '\n')) + 1;
    FUZZ_CHECK(e->line >= 0 && e->line <= lines && !e->message.empty(),
               "bad error: " + e->ToString());
    FUZZ_CHECK(std::get<TraceError>(again).ToString() == e->ToString(), "errors differ");
    return 0;
  }
  const Trace& trace = std::get<Trace>(parsed);
  FUZZ_CHECK(SameValues(trace, std::get<Trace>(again)), "traces differ");
  FUZZ_CHECK(
      trace.values.size() >= 2 && trace.values.size() <= prescale::forecasting::kMaxTraceBuckets,
      "bucket count " + std::to_string(trace.values.size()));
  FUZZ_CHECK(std::isfinite(trace.start_unix), "start is not finite");
  FUZZ_CHECK(std::isfinite(trace.step_seconds) && trace.step_seconds > 0,
             "step " + Number(trace.step_seconds));
  for (const double v : trace.values) FUZZ_CHECK(std::isfinite(v) && v >= 0, "value " + Number(v));

  // Round trip of well-conditioned traces: the rounding of bucket times (a few units in the last
  // place of the largest time) is tiny against the step, so every row lands in its bucket.
  const double end = trace.BucketStart(trace.values.size() - 1);
  const double largest = std::max(std::fabs(trace.start_unix), std::fabs(end));
  const double ulp = std::nextafter(largest, INFINITY) - largest;
  if (trace.values.size() > 10'000 || !(ulp <= 1e-7 * trace.step_seconds)) return 0;
  std::string csv = "timestamp,value\n";
  for (size_t i = 0; i < trace.values.size(); ++i)
    csv += Number(trace.BucketStart(i)) + "," + Number(trace.values[i]) + "\n";
  const auto reread = ParseTraceCsv(csv);
  const auto* back = std::get_if<Trace>(&reread);
  FUZZ_CHECK(back, "the written trace does not parse: " + std::get<TraceError>(reread).ToString());
  FUZZ_CHECK(back->values == trace.values && back->start_unix == trace.start_unix,
             "the written trace reads back with other values");
  FUZZ_CHECK(
      std::fabs(back->step_seconds - trace.step_seconds) <= 4 * ulp + 1e-12 * trace.step_seconds,
      "the written trace reads back with step " + Number(back->step_seconds) + " not " +
          Number(trace.step_seconds));
  return 0;
}
