// Access to the real traces in ../shared/data for tests; tests skip when the folder is absent.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "forecasting/trace.h"

namespace prescale::forecasting::testing {

// The shared data folder: $PRESCALE_DATA_DIR, else <source>/../shared/data.
inline std::filesystem::path DataDir() {
  if (const char* dir = std::getenv("PRESCALE_DATA_DIR")) return dir;
  const char* source = std::getenv("PRESCALE_SOURCE_DIR");
  return std::filesystem::path(source ? source : ".") / ".." / "shared" / "data";
}

// The parsed trace, or nullopt if the file is absent or unreadable.
inline std::optional<Trace> LoadTrace(const std::string& name) {
  std::ifstream in(DataDir() / name);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseTraceCsv(text.str());
  if (!std::holds_alternative<Trace>(parsed)) return std::nullopt;
  return std::get<Trace>(parsed);
}

}  // namespace prescale::forecasting::testing
