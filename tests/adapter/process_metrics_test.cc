// The process_* metrics: /proc parsing on crafted files, then the live values of this process.
#include "adapter/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "tests/support/temp_dir.h"

namespace prescale::adapter {
namespace {

using testsupport::TempDir;

// {name: value} of what Collect returns, with each family's type checked against client_golang.
std::map<std::string, double> Values(const ProcessMetrics& metrics) {
  std::map<std::string, double> out;
  for (const prometheus::MetricFamily& f : metrics.Collect()) {
    EXPECT_EQ(f.metric.size(), 1u) << f.name;
    const bool counter = f.name == "process_cpu_seconds_total";
    EXPECT_EQ(f.type, counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge)
        << f.name;
    out[f.name] = counter ? f.metric[0].counter.value : f.metric[0].gauge.value;
  }
  return out;
}

// A /proc/self/stat line whose command name holds spaces and parentheses.
constexpr const char* kStat =
    "4242 (prescale (a) b) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 150 0 0 20 0 9 0 "
    "123400 987654321 2500 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessMetricsTest, ParsesStatFieldsAfterTheCommandName) {
  const std::optional<ProcStat> s = ParseProcStat(kStat);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utime_ticks, 250);
  EXPECT_EQ(s->stime_ticks, 150);
  EXPECT_EQ(s->starttime_ticks, 123400);
  EXPECT_EQ(s->vsize_bytes, 987654321);
  EXPECT_EQ(s->rss_pages, 2500);
  EXPECT_FALSE(ParseProcStat("4242 (short) S 1 2 3"));
  EXPECT_FALSE(ParseProcStat("garbage"));
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1764000000\nprocesses 9\n"), 1764000000);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n"));
}

TEST(ProcessMetricsTest, ValuesFromAProcTree) {
  TempDir proc;
  std::filesystem::create_directories(proc.path() / "self" / "fd");
  proc.WriteFile("self/stat", kStat);
  proc.WriteFile("stat", "cpu  1 2 3\nbtime 1764000000\n");
  for (const char* fd : {"100", "101", "102"}) proc.WriteFile(std::string("self/fd/") + fd, "");
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const std::map<std::string, double> v = Values(ProcessMetrics(proc.path().string()));
  EXPECT_DOUBLE_EQ(v.at("process_cpu_seconds_total"), 400 / ticks);
  EXPECT_DOUBLE_EQ(v.at("process_resident_memory_bytes"), 2500 * page);
  EXPECT_DOUBLE_EQ(v.at("process_virtual_memory_bytes"), 987654321);
  EXPECT_EQ(v.at("process_open_fds"), 3);
  EXPECT_DOUBLE_EQ(v.at("process_start_time_seconds"), 1764000000 + 123400 / ticks);
  EXPECT_GT(v.at("process_max_fds"), 0);

  // Unreadable files: those metrics are left out, the others stay.
  TempDir empty;
  const std::map<std::string, double> none = Values(ProcessMetrics(empty.path().string()));
  EXPECT_EQ(none.count("process_cpu_seconds_total"), 0u);
  EXPECT_EQ(none.count("process_start_time_seconds"), 0u);
  EXPECT_EQ(none.count("process_open_fds"), 0u);
  EXPECT_EQ(none.count("process_max_fds"), 1u);
}

TEST(ProcessMetricsTest, LiveValuesOfThisProcess) {
  const ProcessMetrics metrics;
  const std::map<std::string, double> before = Values(metrics);
  ASSERT_EQ(before.size(), 6u);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(before.at("process_start_time_seconds"), now + 1);
  EXPECT_GT(before.at("process_start_time_seconds"), now - 3600);  // this test started lately
  EXPECT_GT(before.at("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GT(before.at("process_virtual_memory_bytes"), before.at("process_resident_memory_bytes"));
  EXPECT_GE(before.at("process_open_fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GE(before.at("process_max_fds"), before.at("process_open_fds"));

  const int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  // Burn a little CPU: the counter moves by at least a clock tick.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
  volatile double x = 0;
  while (std::chrono::steady_clock::now() < until) x = x + std::sqrt(static_cast<double>(x) + 1);
  const std::map<std::string, double> after = Values(metrics);
  close(fd);
  EXPECT_EQ(after.at("process_open_fds"), before.at("process_open_fds") + 1);
  EXPECT_GT(after.at("process_cpu_seconds_total"), before.at("process_cpu_seconds_total"));
  EXPECT_EQ(after.at("process_start_time_seconds"), before.at("process_start_time_seconds"));
}

}  // namespace
}  // namespace prescale::adapter
