// Fuzzes the policy file: ParseConfig, which `serve` runs on every ConfigMap change (hot
// reload) and `check-config` on the operator's file.
//
// Input: the YAML text.
// Invariants:
// - no exception escapes (the reload thread has no other guard); deterministic errors;
// - a config exactly when there is no error; every error has a message and a sane position;
// - an accepted config keeps the documented rules (docs/policy-file.md) whether the values
//   were written or defaulted: step > 0, step <= history, 0 <= lead <= history, quantile in
//   (0, 1), grace < max_staleness, each seasonality a positive multiple of step within history,
//   history, scale_down_hold, grace and refit_every at most 1,000,000 steps, max_series in
//   [1, 100000], refresh and prometheus.timeout in (0, 24h], valid and unique served metric
//   names, DNS-1123 namespaces (or "*"), and every event loads into a calendar.
#include <set>
#include <string>

#include "common/names.h"
#include "forecasting/calendar.h"
#include "policies/policy_file.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using prescale::policies::ConfigError;
using prescale::policies::LoadResult;
using prescale::policies::ParseConfig;
using prescale::policies::Policy;

std::string Errors(const LoadResult& r) {
  std::string out;
  for (const ConfigError& e : r.errors) out += e.ToString() + "\n";
  return out;
}

void CheckPolicy(const Policy& p, std::set<std::string>* served) {
  const std::string where = "policy " + p.name + ": ";
  FUZZ_CHECK(!p.name.empty() && !p.query.empty(), where + "no name or query");
  FUZZ_CHECK(p.step.count() > 0, where + "step <= 0");
  FUZZ_CHECK(p.history >= p.step, where + "history shorter than step");
  FUZZ_CHECK(p.lead.count() >= 0 && p.lead <= p.history, where + "lead outside [0, history]");
  FUZZ_CHECK(p.quantile > 0 && p.quantile < 1, where + "quantile outside (0, 1)");
  FUZZ_CHECK(p.max_staleness.count() > 0, where + "max_staleness <= 0");
  FUZZ_CHECK(p.grace.count() >= 0 && p.grace < p.max_staleness,
             where + "grace not shorter than max_staleness");
  FUZZ_CHECK(p.refit_every.count() > 0, where + "refit_every <= 0");
  for (const auto& s : p.seasonality)
    FUZZ_CHECK(s.count() > 0 && s.count() % p.step.count() == 0 && s <= p.history,
               where + "a seasonality is not a multiple of step within history");
  for (const auto d : {p.history, p.scale_down_hold, p.grace, p.refit_every})
    FUZZ_CHECK(d.count() / p.step.count() + (d.count() % p.step.count() != 0) <= 1'000'000,
               where + "a window over 1,000,000 steps");
  FUZZ_CHECK(p.max_series >= 1 && p.max_series <= 100'000, where + "max_series out of range");
  for (const std::string& metric : {p.observed_metric, p.forecast_metric}) {
    FUZZ_CHECK(prescale::ValidateMetricName(metric).empty(), where + "invalid metric " + metric);
    FUZZ_CHECK(served->insert(metric).second, where + "metric " + metric + " served twice");
  }
  for (const std::string& ns : p.namespaces)
    FUZZ_CHECK(ns == "*" || prescale::IsDns1123Label(ns), where + "bad namespace " + ns);
  prescale::forecasting::CalendarError error;
  FUZZ_CHECK(prescale::forecasting::EventCalendar::Create(p.events, &error),
             where + "an accepted event does not load: " + error.ToString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = prescale::fuzz::AsText(data, size);
  const LoadResult result = ParseConfig(text, "fuzz.yaml");
  const LoadResult again = ParseConfig(text, "fuzz.yaml");
  FUZZ_CHECK(
      Errors(result) == Errors(again) && result.config.has_value() == again.config.has_value(),
      "ParseConfig is not deterministic");
  FUZZ_CHECK(result.config.has_value() == result.errors.empty(),
             "a config must come exactly when there is no error: " + Errors(result));
  for (const ConfigError& e : result.errors) {
    FUZZ_CHECK(!e.message.empty() && e.file == "fuzz.yaml", "an error without a message");
    FUZZ_CHECK(e.line >= 0 && e.column >= 0 && (e.line == 0) == (e.column == 0),
               "an error with a bad position: " + e.ToString());
  }
  if (!result.config) return 0;
  const auto day = std::chrono::hours(24);
  FUZZ_CHECK(result.config->refresh.count() > 0 && result.config->refresh <= day,
             "refresh outside (0, 24h]");
  FUZZ_CHECK(
      result.config->prometheus.timeout.count() > 0 && result.config->prometheus.timeout <= day,
      "prometheus.timeout outside (0, 24h]");
  FUZZ_CHECK(!result.config->policies.empty(), "a config without policies");
  std::set<std::string> served;
  for (const Policy& p : result.config->policies) CheckPolicy(p, &served);
  return 0;
}
