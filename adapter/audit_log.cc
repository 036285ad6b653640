#include "adapter/audit_log.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/rfc3339.h"

namespace prescale::adapter {

AuditLog::AuditLog(const std::string& path, size_t max_bytes, size_t max_files) {
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, max_bytes, max_files);
    logger_ = std::make_shared<spdlog::logger>("prescale-audit", std::move(sink));
    logger_->set_pattern("%v");
    logger_->set_level(spdlog::level::info);
    logger_->flush_on(spdlog::level::info);
    logger_->set_error_handler([](const std::string& message) {
      log::Warn("audit log write failed", {{"error", message}});
    });
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error("cannot open the audit log " + path + ": " + e.what());
  }
}

AuditLog::~AuditLog() { Flush(); }

std::string AuditLog::FormatLine(const AuditRecord& r) {
  nlohmann::ordered_json labels = nlohmann::ordered_json::object();
  for (const auto& [k, v] : r.labels) labels[k] = v;
  nlohmann::ordered_json line = {{"ts", FormatRfc3339(r.decision_time, /*millis=*/true)},
                                 {"metric", r.metric},
                                 {"labels", std::move(labels)},
                                 {"served", r.served},
                                 {"previous", r.previous},
                                 {"observed", r.observed},
                                 {"model", r.model},
                                 {"model_fit", FormatRfc3339(r.fit_time, /*millis=*/true)},
                                 {"data_age_seconds", std::round(r.data_age * 1000) / 1000}};
  return line.dump();
}

void AuditLog::Record(const AuditRecord& record) {
  try {
    logger_->info(FormatLine(record));
  } catch (const std::exception&) {
    // spdlog reports write errors through its error handler; nothing to add here.
  }
}

void AuditLog::Flush() {
  if (logger_) logger_->flush();
}

}  // namespace prescale::adapter
