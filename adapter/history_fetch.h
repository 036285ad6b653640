// A policy's history over a period, fetched for the offline commands (backtest, forecast-eval,
// tune with --prometheus-url): the policy's query evaluated with query_range at its step, in
// chunks of at most `chunk_points` points per series as serve fetches (halved down to 16 when a
// query times out or its answer is too large), each label set on the bucket grid serve uses:
// the sample evaluated at T is the bucket that ends at T.
//
// Threading: uses the client, which has one owner; otherwise pure.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "adapter/prometheus_client.h"
#include "forecasting/trace.h"

namespace prescale::adapter {

struct HistoryQuery {
  std::string query;
  double from = 0;  // Unix seconds: the first bucket starts at or after it
  double to = 0;    // the last bucket ends at or before it
  double step = 15;
  int chunk_points = 2000;
  size_t max_series = 1000;  // the first label sets in label order are kept, as serve keeps them
};

struct FetchedSeries {
  apiserver::Labels labels;
  forecasting::Trace trace;  // every bucket of the period; missing or non-finite samples are 0
};

// The series, in label order. Errors: the client's (after the chunks shrank to 16 points for
// timeouts and large answers); a period shorter than two steps is a kBadResponse-free empty
// answer (no series). `progress` (done, total) is called after each chunk.
std::variant<std::vector<FetchedSeries>, PrometheusError> FetchHistory(
    PrometheusClient& client, const HistoryQuery& q,
    const std::function<void(size_t, size_t)>& progress = {});

}  // namespace prescale::adapter
