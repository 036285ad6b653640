// The standard process metrics of every Prometheus client library's process collector, which
// prometheus-cpp lacks (Linux only, read from /proc at each scrape):
//   process_cpu_seconds_total       counter  user + system CPU time (/proc/self/stat)
//   process_resident_memory_bytes   gauge    resident set size (/proc/self/stat rss x page size)
//   process_virtual_memory_bytes    gauge    virtual memory size (/proc/self/stat vsize)
//   process_open_fds                gauge    entries of /proc/self/fd
//   process_max_fds                 gauge    the soft RLIMIT_NOFILE (what /proc/self/limits shows
//                                            as "Max open files")
//   process_start_time_seconds      gauge    Unix time the process started (boot time from
//                                            /proc/stat btime + starttime of /proc/self/stat)
// Names, types and meanings are those of client_golang's process collector, so stock dashboards
// and alerts apply. A value that cannot be read is left out of that scrape (never a made-up 0).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prescale::adapter {

// The fields of /proc/<pid>/stat used here, in their raw units.
struct ProcStat {
  double utime_ticks = 0;      // field 14
  double stime_ticks = 0;      // field 15
  double starttime_ticks = 0;  // field 22: clock ticks after boot
  double vsize_bytes = 0;      // field 23
  double rss_pages = 0;        // field 24
};

// Parses the one line of /proc/<pid>/stat. The command name (field 2) is in parentheses and may
// itself hold spaces and parentheses: fields are counted after its last ')'. nullopt if short.
std::optional<ProcStat> ParseProcStat(std::string_view text);
// The "btime" line of /proc/stat (boot time, Unix seconds); nullopt if absent.
std::optional<double> ParseBootTime(std::string_view text);

// Thread-safe: Collect reads the files afresh (a few system calls, no lock).
class ProcessMetrics : public prometheus::Collectable {
 public:
  // `proc` is the /proc mount (tests may point elsewhere).
  explicit ProcessMetrics(std::string proc = "/proc");
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string proc_;
  std::optional<double> start_time_;  // fixed for the life of the process
};

}  // namespace prescale::adapter
