// The audit log: one JSON line per change of a served forecast, e.g.
//   {"ts":"2026-11-27T14:29:30Z","metric":"order_flow_rate_forecast","labels":{"venue":"xnas"},
//    "served":2140.5,"previous":1200,"observed":1180.25,"model":"auto(profile)",
//    "model_fit":"2026-11-27T14:00:00Z","data_age_seconds":12.4}
// `ts` is the data time of the decision; `model_fit` the data time of the model's last fit, which
// versions its parameters. It is what a compliance officer reads to learn why the deployment
// scaled at 09:29:30. Files rotate by size (PATH, PATH.1, ... PATH.<max_files>).
//
// Threading: Record() is thread-safe. Write failures are logged as warnings, never thrown.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "adapter/policy_runner.h"

namespace spdlog {
class logger;
}

namespace prescale::adapter {

class AuditLog {
 public:
  // Throws std::runtime_error when `path` cannot be opened for appending.
  AuditLog(const std::string& path, size_t max_bytes, size_t max_files);
  ~AuditLog();

  void Record(const AuditRecord& record);
  void Flush();

  // The line Record() writes (for tests).
  static std::string FormatLine(const AuditRecord& record);

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace prescale::adapter
