#include "forecasting/trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace prescale::forecasting {
namespace {

// The shortest decimal that reads back as `v` (60, 0.5), for messages.
std::string Shortest(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

struct Row {
  double timestamp;
  double value;
  int line;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool ParseNumber(std::string_view s, double* out) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(*out);
}

TraceError ParseRow(std::string_view line_text, int line, Row* row) {
  const size_t comma = line_text.find(',');
  if (comma == std::string_view::npos || line_text.find(',', comma + 1) != std::string_view::npos) {
    return {line, "expected two fields `timestamp,value`"};
  }
  if (!ParseNumber(line_text.substr(0, comma), &row->timestamp)) {
    return {line, "timestamp is not a finite number of Unix seconds"};
  }
  if (!ParseNumber(line_text.substr(comma + 1), &row->value)) {
    return {line, "value is not a finite number"};
  }
  if (row->value < 0) return {line, "value is negative"};
  row->line = line;
  return {0, ""};
}

// Splits `text` into rows, checking the header and the order of timestamps.
std::variant<std::vector<Row>, TraceError> ReadRows(std::string_view text) {
  std::vector<Row> rows;
  bool header_seen = false;
  int line = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view raw = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line;
    const std::string_view content = Trim(raw);
    if (content.empty()) continue;
    if (!header_seen && content.front() == '#') continue;
    if (!header_seen) {
      const size_t comma = content.find(',');
      if (comma == std::string_view::npos || Trim(content.substr(0, comma)) != "timestamp" ||
          Trim(content.substr(comma + 1)) != "value") {
        return TraceError{line, "expected the header `timestamp,value`"};
      }
      header_seen = true;
      continue;
    }
    Row row{};
    if (TraceError e = ParseRow(content, line, &row); e.line != 0) return e;
    if (!rows.empty() && row.timestamp <= rows.back().timestamp) {
      return TraceError{line, "timestamp is not after the previous row's (rows must be sorted)"};
    }
    rows.push_back(row);
  }
  if (!header_seen) return TraceError{0, "empty file: expected the header `timestamp,value`"};
  if (rows.size() < 2) return TraceError{0, "need at least two rows to infer the step"};
  return rows;
}

double MedianGap(const std::vector<Row>& rows) {
  std::vector<double> gaps(rows.size() - 1);
  for (size_t i = 1; i < rows.size(); ++i) gaps[i - 1] = rows[i].timestamp - rows[i - 1].timestamp;
  const size_t mid = gaps.size() / 2;
  std::nth_element(gaps.begin(), gaps.begin() + mid, gaps.end());
  return gaps[mid];  // the upper median: always one of the real gaps
}

}  // namespace

std::string TraceError::ToString() const {
  return line > 0 ? "line " + std::to_string(line) + ": " + message : message;
}

std::map<std::string, std::string, std::less<>> ParseTraceLabels(std::string_view text) {
  std::map<std::string, std::string, std::less<>> labels;
  constexpr std::string_view kPrefix = "# label ";
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) continue;
    if (line.front() != '#') break;  // the header: labels come before it
    if (line.substr(0, kPrefix.size()) != kPrefix) continue;
    line.remove_prefix(kPrefix.size());
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    labels[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return labels;
}

std::variant<Trace, TraceError> ParseTraceCsv(std::string_view text) {
  auto parsed = ReadRows(text);
  if (auto* e = std::get_if<TraceError>(&parsed)) return *e;
  const auto& rows = std::get<std::vector<Row>>(parsed);
  Trace trace;
  trace.start_unix = rows.front().timestamp;
  trace.step_seconds = MedianGap(rows);
  const double span = (rows.back().timestamp - trace.start_unix) / trace.step_seconds;
  if (!(span < static_cast<double>(kMaxTraceBuckets))) {
    return TraceError{0, "the trace spans more than " + std::to_string(kMaxTraceBuckets) +
                             " buckets of the inferred step"};
  }
  const double allowed =
      std::max(static_cast<double>(kMinGapGuardBuckets),
               static_cast<double>(kMaxBucketsPerRow) * static_cast<double>(rows.size()));
  if (span + 1 > allowed) {
    return TraceError{rows.back().line,
                      "the trace spans " + std::to_string(std::llround(span) + 1) +
                          " buckets of the inferred step (" + Shortest(trace.step_seconds) +
                          " s) for " + std::to_string(rows.size()) + " rows, more than " +
                          std::to_string(kMaxBucketsPerRow) + " per row: is a timestamp wrong?"};
  }
  trace.values.assign(static_cast<size_t>(std::llround(span)) + 1, 0.0);
  long previous_bucket = -1;
  int previous_line = 0;
  for (const Row& row : rows) {
    const long bucket = std::lround((row.timestamp - trace.start_unix) / trace.step_seconds);
    if (bucket <= previous_bucket) {
      return TraceError{row.line, "timestamp falls in the same bucket as line " +
                                      std::to_string(previous_line) + " (step " +
                                      std::to_string(trace.step_seconds) + " s)"};
    }
    trace.values[static_cast<size_t>(bucket)] = row.value;
    previous_bucket = bucket;
    previous_line = row.line;
  }
  return trace;
}

}  // namespace prescale::forecasting
