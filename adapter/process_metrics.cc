#include "adapter/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace prescale::adapter {
namespace {

namespace p = prometheus;

std::optional<std::string> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

p::MetricFamily Family(const char* name, const char* help, p::MetricType type, double value) {
  p::ClientMetric metric;
  if (type == p::MetricType::Counter)
    metric.counter.value = value;
  else
    metric.gauge.value = value;
  return {name, help, type, {metric}};
}

// Entries of a /proc/<pid>/fd directory, "." and ".." excepted, and so is the descriptor that
// listing it holds; nullopt if it cannot be listed.
std::optional<double> CountDescriptors(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return std::nullopt;
  const std::string own = std::to_string(dirfd(d));
  double count = 0;
  while (const dirent* entry = readdir(d)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != ".." && name != own) ++count;
  }
  closedir(d);
  return count;
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // Field 3 (state) is the first after the command name.
  std::istringstream fields{std::string(text.substr(close + 1))};
  std::vector<std::string> f{std::istream_iterator<std::string>(fields),
                             std::istream_iterator<std::string>()};
  // f[0] is field 3, so field n is f[n - 3].
  if (f.size() < 22) return std::nullopt;
  auto number = [&](int field) { return std::strtod(f[field - 3].c_str(), nullptr); };
  ProcStat s;
  s.utime_ticks = number(14);
  s.stime_ticks = number(15);
  s.starttime_ticks = number(22);
  s.vsize_bytes = number(23);
  s.rss_pages = number(24);
  return s;
}

std::optional<double> ParseBootTime(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    if (line.starts_with("btime "))
      return std::strtod(std::string(line.substr(6)).c_str(), nullptr);
    at = end + 1;
  }
  return std::nullopt;
}

ProcessMetrics::ProcessMetrics(std::string proc) : proc_(std::move(proc)) {
  const std::optional<std::string> stat = Slurp(proc_ + "/self/stat");
  const std::optional<std::string> system = Slurp(proc_ + "/stat");
  const std::optional<ProcStat> parsed = stat ? ParseProcStat(*stat) : std::nullopt;
  const std::optional<double> boot = system ? ParseBootTime(*system) : std::nullopt;
  const long ticks = sysconf(_SC_CLK_TCK);
  if (parsed && boot && ticks > 0) start_time_ = *boot + parsed->starttime_ticks / ticks;
}

std::vector<p::MetricFamily> ProcessMetrics::Collect() const {
  std::vector<p::MetricFamily> out;
  const long ticks = sysconf(_SC_CLK_TCK);
  const long page = sysconf(_SC_PAGESIZE);
  const std::optional<std::string> stat = Slurp(proc_ + "/self/stat");
  if (const std::optional<ProcStat> s = stat ? ParseProcStat(*stat) : std::nullopt) {
    if (ticks > 0)
      out.push_back(Family("process_cpu_seconds_total",
                           "Total user and system CPU time spent in seconds.",
                           p::MetricType::Counter, (s->utime_ticks + s->stime_ticks) / ticks));
    if (page > 0)
      out.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                           p::MetricType::Gauge, s->rss_pages * page));
    out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         p::MetricType::Gauge, s->vsize_bytes));
  }
  if (const std::optional<double> open = CountDescriptors(proc_ + "/self/fd"))
    out.push_back(Family("process_open_fds", "Number of open file descriptors.",
                         p::MetricType::Gauge, *open));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    out.push_back(Family("process_max_fds", "Maximum number of open file descriptors.",
                         p::MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  if (start_time_)
    out.push_back(Family("process_start_time_seconds",
                         "Start time of the process since unix epoch in seconds.",
                         p::MetricType::Gauge, *start_time_));
  return out;
}

}  // namespace prescale::adapter
