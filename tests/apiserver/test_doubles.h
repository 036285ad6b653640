// Test doubles of apiserver/'s own interfaces (provider and reviewers), recording their calls.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "apiserver/provider.h"
#include "apiserver/reviewers.h"

namespace prescale::apiserver::testing {

class StaticProvider : public ExternalMetricsProvider {
 public:
  std::vector<ExternalMetricValue> values;
  bool ready = true;
  std::optional<ProviderError> error;

  std::vector<MetricInfo> ListAllExternalMetrics() const override {
    std::set<std::string> names;
    for (const auto& v : values) names.insert(v.metric_name);
    std::vector<MetricInfo> out;
    for (const auto& n : names) out.push_back({n});
    return out;
  }
  std::variant<MetricValues, ProviderError> GetExternalMetric(
      std::string_view, std::string_view metric, const LabelSelector& selector) const override {
    if (error) return *error;
    MetricValues out;
    bool known = false;
    for (const auto& v : values) {
      if (v.metric_name != metric) continue;
      known = true;
      if (selector.Matches(v.labels)) out.items.push_back(&v);
    }
    if (!known) return ProviderError{ProviderError::Kind::kNotFound, ""};
    return out;
  }
  bool Ready() const override { return ready; }
  uint64_t Generation() const override { return generation; }
  uint64_t generation = 0;
};

class ScriptedTokenReviewer : public TokenReviewer {
 public:
  std::map<std::string, UserInfo> users;
  bool fail = false;
  std::atomic<int> calls{0};
  TokenReviewResult Review(const std::string& token) override {
    ++calls;
    TokenReviewResult r;
    if (fail) return r;
    auto it = users.find(token);
    r.outcome = it == users.end() ? TokenReviewResult::Outcome::kRejected
                                  : TokenReviewResult::Outcome::kAuthenticated;
    if (it != users.end()) r.user = it->second;
    return r;
  }
};

class ScriptedAccessReviewer : public AccessReviewer {
 public:
  std::function<AccessReviewResult::Outcome(const AccessAttributes&)> decide;
  std::atomic<int> calls{0};
  std::mutex mu;
  std::vector<AccessAttributes> seen;
  AccessReviewResult Review(const AccessAttributes& a) override {
    ++calls;
    {
      std::lock_guard lock(mu);
      seen.push_back(a);
    }
    AccessReviewResult r;
    r.outcome = decide ? decide(a) : AccessReviewResult::Outcome::kDenied;
    r.reason = "scripted";
    return r;
  }
};

}  // namespace prescale::apiserver::testing
