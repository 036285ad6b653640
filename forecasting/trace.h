// Parsing of demand trace files (docs/trace-format.md): CSV with the header
// `timestamp,value`, Unix seconds (integer or decimal) and a non-negative finite value per row.
// Rows must be sorted by time; the step is the median gap between consecutive rows and missing
// buckets are filled with 0. Anything malformed is an error naming its 1-based line, never
// skipped. Pure: no file I/O (callers read the file), thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace prescale::forecasting {

// A demand signal on a fixed grid: bucket i starts at `start_unix + i * step_seconds` and holds
// `values[i]` (finite, >= 0; 0 for buckets absent from the file).
struct Trace {
  double start_unix = 0;
  double step_seconds = 0;
  std::vector<double> values;

  double BucketStart(size_t i) const { return start_unix + static_cast<double>(i) * step_seconds; }
};

struct TraceError {
  int line = 0;  // 1-based line of the offending row; 0 when the problem concerns the whole file
  std::string message;

  // "line N: message", or just the message when line is 0.
  std::string ToString() const;
};

// Limits that keep a hostile or mistaken file from exhausting memory when gaps are filled.
inline constexpr size_t kMaxTraceBuckets = 50'000'000;
// Gaps are filled, but a few rows may not stand for a grid far larger than they are (a wrong
// timestamp, or 77 bytes asking for 23 M buckets): beyond kMinGapGuardBuckets, at most
// kMaxBucketsPerRow buckets per row. Real gaps (nights, weekends) are far below it.
inline constexpr size_t kMinGapGuardBuckets = 1'000'000;
inline constexpr size_t kMaxBucketsPerRow = 1'000;

// Parses the whole file content. Accepts LF or CRLF line ends, surrounding spaces in fields and
// blank lines. Requires at least two rows (the step cannot be inferred from fewer). A row whose
// timestamp is not on the inferred grid is placed in the nearest bucket; two rows in the same
// bucket, unsorted rows, non-numeric, NaN, infinite or negative values are errors.
// Lines before the header that start with '#' are comments.
std::variant<Trace, TraceError> ParseTraceCsv(std::string_view text);

// The labels of the series a trace holds, from comment lines `# label NAME=VALUE` before the
// header (as `--trace-out` writes them); empty when there are none.
std::map<std::string, std::string, std::less<>> ParseTraceLabels(std::string_view text);

}  // namespace prescale::forecasting
