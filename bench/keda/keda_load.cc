// Load client of the KEDA external scaler: keeps `--concurrency` GetMetrics calls in flight against
// a running `prescale serve --grpc-port` over TLS and reports calls/s and latency percentiles.
// Calls are spread over `--channels` connections and `--threads` completion-queue threads; each
// slot starts its next call as soon as the previous one completes (closed loop).
//
//   keda_load --port 9443 --ca cert.pem [--seconds 10] [--warmup 2] [--concurrency 64]
//             [--channels 4] [--threads 2] [--metric M] [--selector S] [--server-pid PID]
//
// Besides throughput and latency it reports the CPU time per call of this client and, with
// --server-pid, of the server (from /proc/PID/stat), both over the measured window: figures that
// depend less than calls/s on what else runs on the machine.
// Prints one human line and one JSON line; exit 1 if any call failed.
#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapter/keda/externalscaler.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 0;
  std::string ca_file;
  double seconds = 10;
  double warmup = 2;
  int concurrency = 64;
  int channels = 4;
  int threads = 2;
  std::string metric = "order_flow_rate_forecast";
  std::string selector = "venue in (xnas,xnys)";
  int server_pid = 0;
  std::string write_request;  // write the gRPC-framed request body here and exit
};

struct Call {
  grpc::ClientContext context;
  externalscaler::GetMetricsResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<externalscaler::GetMetricsResponse>> reader;
  Clock::time_point started;
  int slot = 0;
};

struct ThreadResult {
  std::vector<double> latencies_us;  // measured calls only
  uint64_t errors = 0;
  std::string first_error;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void Usage() {
  std::fprintf(stderr,
               "usage: keda_load --port P --ca CA.pem [--seconds 10] [--warmup 2] "
               "[--concurrency 64] [--channels 4] [--threads 2] [--metric M] [--selector S] "
               "[--server-pid PID]\n");
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage();
    const std::string value = argv[++i];
    if (flag == "--port")
      o.port = std::stoi(value);
    else if (flag == "--ca")
      o.ca_file = value;
    else if (flag == "--seconds")
      o.seconds = std::stod(value);
    else if (flag == "--warmup")
      o.warmup = std::stod(value);
    else if (flag == "--concurrency")
      o.concurrency = std::stoi(value);
    else if (flag == "--channels")
      o.channels = std::stoi(value);
    else if (flag == "--threads")
      o.threads = std::stoi(value);
    else if (flag == "--metric")
      o.metric = value;
    else if (flag == "--selector")
      o.selector = value;
    else if (flag == "--server-pid")
      o.server_pid = std::stoi(value);
    else if (flag == "--write-request")
      o.write_request = value;
    else
      Usage();
  }
  if (!o.write_request.empty()) return o;
  if (o.port <= 0 || o.ca_file.empty() || o.concurrency < 1 || o.channels < 1 || o.threads < 1)
    Usage();
  return o;
}

// CPU seconds (user + system) of this process.
double SelfCpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// CPU seconds of process `pid` from /proc/PID/stat (utime + stime); -1 if unreadable.
double ProcessCpu(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * (sorted.size() - 1) + 0.5));
  return sorted[i];
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  // Debian's Abseil runs lock-order deadlock detection in every absl::Mutex (gRPC's locks) unless
  // told not to; the server turns it off too (adapter/keda/grpc_server.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  externalscaler::GetMetricsRequest request;
  auto& metadata = *request.mutable_scaledobjectref()->mutable_scalermetadata();
  metadata["metric"] = o.metric;
  metadata["labelSelector"] = o.selector;
  metadata["targetSize"] = "2000";
  request.mutable_scaledobjectref()->set_name("bench");
  request.mutable_scaledobjectref()->set_namespace_("trading");
  request.set_metricname(o.metric);
  if (!o.write_request.empty()) {
    // The body of one gRPC call (a 5-byte prefix: not compressed, big-endian length), for HTTP/2
    // load tools such as h2load.
    const std::string message = request.SerializeAsString();
    std::string body(5, '\0');
    for (int i = 0; i < 4; ++i)
      body[1 + i] = static_cast<char>((message.size() >> (24 - 8 * i)) & 0xff);
    std::ofstream(o.write_request, std::ios::binary) << body << message;
    return 0;
  }

  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ReadFile(o.ca_file);
  std::vector<std::unique_ptr<externalscaler::ExternalScaler::Stub>> stubs;
  for (int c = 0; c < o.channels; ++c) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per channel
    args.SetInt("prescale.bench.channel", c);
    auto channel = grpc::CreateCustomChannel("ipv4:127.0.0.1:" + std::to_string(o.port),
                                             grpc::SslCredentials(tls), args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      std::fprintf(stderr, "keda_load: cannot connect to 127.0.0.1:%d\n", o.port);
      return 1;
    }
    stubs.push_back(externalscaler::ExternalScaler::NewStub(channel));
  }

  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from =
      start + std::chrono::microseconds(static_cast<int64_t>(o.warmup * 1e6));
  const Clock::time_point stop_at =
      measure_from + std::chrono::microseconds(static_cast<int64_t>(o.seconds * 1e6));

  // CPU use over the measured window, sampled by a thread of its own.
  double client_cpu = 0, server_cpu = -1;
  std::thread cpu_sampler([&] {
    std::this_thread::sleep_until(measure_from);
    const double client0 = SelfCpu();
    const double server0 = o.server_pid ? ProcessCpu(o.server_pid) : -1;
    std::this_thread::sleep_until(stop_at);
    client_cpu = SelfCpu() - client0;
    if (o.server_pid && server0 >= 0) server_cpu = ProcessCpu(o.server_pid) - server0;
  });

  std::vector<ThreadResult> results(o.threads);
  std::vector<std::thread> threads;
  std::atomic<int> next_slot{0};
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      grpc::CompletionQueue cq;
      ThreadResult& result = results[t];
      result.latencies_us.reserve(1 << 20);
      const int slots = o.concurrency / o.threads + (t < o.concurrency % o.threads ? 1 : 0);
      auto start_call = [&](int slot) {
        auto* call = new Call;
        call->slot = slot;
        call->started = Clock::now();
        call->reader =
            stubs[slot % stubs.size()]->PrepareAsyncGetMetrics(&call->context, request, &cq);
        call->reader->StartCall();
        call->reader->Finish(&call->response, &call->status, call);
      };
      for (int i = 0; i < slots; ++i) start_call(next_slot.fetch_add(1));
      int in_flight = slots;
      void* tag = nullptr;
      bool ok = false;
      while (in_flight > 0 && cq.Next(&tag, &ok)) {
        auto* call = static_cast<Call*>(tag);
        const Clock::time_point now = Clock::now();
        if (call->started >= measure_from && now <= stop_at) {
          if (call->status.ok() && call->response.metricvalues_size() == 1) {
            result.latencies_us.push_back(
                std::chrono::duration<double, std::micro>(now - call->started).count());
          } else {
            if (result.errors++ == 0)
              result.first_error =
                  std::to_string(call->status.error_code()) + " " + call->status.error_message();
          }
        }
        const int slot = call->slot;
        delete call;
        if (now < stop_at)
          start_call(slot);
        else
          --in_flight;
      }
      cq.Shutdown();
      while (cq.Next(&tag, &ok)) {
      }
    });
  }
  for (auto& thread : threads) thread.join();
  cpu_sampler.join();

  std::vector<double> all;
  uint64_t errors = 0;
  std::string first_error;
  for (const ThreadResult& r : results) {
    all.insert(all.end(), r.latencies_us.begin(), r.latencies_us.end());
    errors += r.errors;
    if (first_error.empty()) first_error = r.first_error;
  }
  std::sort(all.begin(), all.end());
  const double rate = static_cast<double>(all.size()) / o.seconds;
  const double p50 = Percentile(all, 0.50) / 1000, p90 = Percentile(all, 0.90) / 1000,
               p99 = Percentile(all, 0.99) / 1000, max = all.empty() ? 0 : all.back() / 1000;
  const double calls = std::max<double>(1, static_cast<double>(all.size()));
  const double client_us = client_cpu / calls * 1e6;
  const double server_us = server_cpu < 0 ? -1 : server_cpu / calls * 1e6;
  std::printf(
      "GetMetrics: %.0f calls/s, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms, %llu errors "
      "(%d in flight, %d channels, %d client threads, %.0f s); CPU per call: client %.1f us, "
      "server %.1f us\n",
      rate, p50, p90, p99, max, static_cast<unsigned long long>(errors), o.concurrency, o.channels,
      o.threads, o.seconds, client_us, server_us);
  std::printf(
      "{\"calls_per_second\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
      "\"calls\":%zu,\"errors\":%llu,\"concurrency\":%d,\"channels\":%d,\"threads\":%d,"
      "\"client_cpu_us_per_call\":%.1f,\"server_cpu_us_per_call\":%.1f}\n",
      rate, p50, p90, p99, max, all.size(), static_cast<unsigned long long>(errors), o.concurrency,
      o.channels, o.threads, client_us, server_us);
  if (errors) std::fprintf(stderr, "keda_load: first error: %s\n", first_error.c_str());
  return errors ? 1 : 0;
}
