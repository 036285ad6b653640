// Where the offline commands (backtest, forecast-eval, tune) read a history: trace files
// (--trace, repeatable, or a folder of them), or the policy's own query on Prometheus over a
// period (--prometheus-url, --from, --to, with serve's client flags). Either way the result is
// the policy's series, each forecast separately, and their sum, what an HPA with the policy's
// selector sees. --trace-out writes the series as trace files that --trace reads back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "forecasting/trace.h"
#include "policies/backtest/backtest.h"
#include "policies/policy.h"

namespace CLI {
class App;
}

namespace prescale::cli {

struct HistoryFlags {
  std::vector<std::string> traces;
  std::string prometheus_url, from, to, token_file, basic_auth_file, ca_file, client_cert_file,
      client_key_file, timeout, trace_out;
  std::vector<std::string> headers;  // NAME=VALUE
  bool quiet = false;

  // Registers --trace, --prometheus-url, --from, --to, serve's Prometheus client flags
  // (--prometheus-token-file, --prometheus-basic-auth-file, --prometheus-header,
  // --prometheus-ca-file, --prometheus-client-cert-file, --prometheus-client-key-file,
  // --prometheus-timeout) and --trace-out on `cmd`.
  void AddFlags(CLI::App& cmd);
};

struct History {
  std::string name;  // for reports: the trace file, or the query's source and period
  forecasting::Trace total;
  // The series total sums; empty when the history is one trace file without labels.
  std::vector<policies::SeriesTrace> series;
};

struct HistoryError {
  int code = 2;  // 2: bad usage or input; 1: the fetch failed or found nothing
  std::string message;
};

// Loads the history for `policy` (`have_config`: it came from --config, which --prometheus-url
// needs for the query). `prefix` starts progress lines ("prescale backtest"). Relative times are
// counted back from `now` (Unix seconds).
std::optional<HistoryError> LoadHistory(const HistoryFlags& flags, const policies::Policy& policy,
                                        bool have_config, double now, const std::string& prefix,
                                        History* out);

// "-14d" (before `now`), "now", or RFC 3339; nullopt when none of these.
std::optional<double> ParseTimeFlag(const std::string& text, double now);

}  // namespace prescale::cli
