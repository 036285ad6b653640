// Load client of the soak and fault benches (bench/soak/run): HTTPS/1.1 keep-alive connections to a
// running `prescale serve`, with latency percentiles and error counts per window, so drift over
// a long run shows. Three modes:
//
//   read   `--connections` kept-alive connections send GETs of the `--target`s (round robin) as
//          fast as they can (closed loop) or at `--rate` requests/s in total (each connection
//          paced). Any status other than `--expect` (200) is an error, and so is a transport
//          failure (connect, handshake, reset, timeout); the connection then reconnects. A
//          response with `Connection: close` (prescale's one-hour connection age) reconnects
//          without an error.
//   flood  the same, but each request is an unauthenticated one chosen at random from
//          `--flood-kinds`: `token` (a random bearer token on a metric path: a TokenReview),
//          `anonymous` (no credentials, a random metric: a SubjectAccessReview for
//          system:anonymous), `path` (no credentials, a random non-resource path), `malformed`
//          (a path refused before authentication), `newtoken` (`--token-prefix` plus a counter:
//          a new, valid identity per request). Statuses are counted, none is an error.
//   idle   `--connections` connections opened and left idle: `tls` (handshake done, nothing
//          sent), `tcp` (no handshake), or `partial` (handshake and half a request header, a
//          slowloris). A connection the server closes is counted and reopened after
//          `--reconnect-delay-ms`.
//
// Client certificate (`--cert`/`--key`) and headers (`--header 'Name: value'`) are sent on every
// connection/request, e.g. a front proxy's certificate with X-Remote-User. The run ends after
// `--requests` (in total), `--seconds`, or SIGTERM/SIGINT. One JSON line is printed per window
// (`--window-requests` N, `--window-seconds` S, or at each SIGUSR1: the phases of a scenario)
// and a last one with "total": true; with `--server-pid`, each line carries the server's VmRSS.
//
//   soak_load --port P [--ca CA.pem] [--cert C --key K] [--header H]... --target PATH...
//             [--mode read|flood|idle] [--connections 8] [--threads 2] [--requests N]
//             [--seconds S] [--rate R] [--window-requests N | --window-seconds S]
//             [--server-pid PID] [--label NAME] [--expect 200] [--timeout-seconds 60]
//             [--flood-kinds token,anonymous,path,malformed] [--token-prefix P --token-count N]
//             [--idle-kind tls|tcp|partial] [--reconnect-delay-ms MS]
//
// Exit status 0, or 1 when a read-mode request failed.
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_cut{false};  // SIGUSR1: end the current window now (a phase boundary)
extern "C" void OnSignal(int) { g_stop.store(true); }
extern "C" void OnCut(int) { g_cut.store(true); }

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string ca_file, cert_file, key_file;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> targets;
  std::string mode = "read";
  int connections = 8;
  int threads = 2;
  uint64_t requests = 0;
  double seconds = 0;
  double rate = 0;
  uint64_t window_requests = 0;
  double window_seconds = 0;
  int server_pid = 0;
  std::string label = "load";
  int expect = 200;
  int timeout_seconds = 60;
  std::vector<std::string> flood_kinds{"token", "anonymous", "path", "malformed"};
  std::string token_prefix = "new-";
  uint64_t token_count = 100000;
  std::string idle_kind = "tls";
  int reconnect_delay_ms = 0;
};

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "soak_load: %s\n(see the comment at the top of bench/soak/soak_load.cc)\n",
               why.c_str());
  std::exit(2);
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--host")
      o.host = value();
    else if (a == "--port")
      o.port = std::stoi(value());
    else if (a == "--ca")
      o.ca_file = value();
    else if (a == "--cert")
      o.cert_file = value();
    else if (a == "--key")
      o.key_file = value();
    else if (a == "--header") {
      const std::string h = value();
      const size_t colon = h.find(':');
      if (colon == std::string::npos) Usage("--header wants 'Name: value'");
      std::string v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      o.headers.emplace_back(h.substr(0, colon), v);
    } else if (a == "--target")
      o.targets.push_back(value());
    else if (a == "--mode")
      o.mode = value();
    else if (a == "--connections")
      o.connections = std::stoi(value());
    else if (a == "--threads")
      o.threads = std::stoi(value());
    else if (a == "--requests")
      o.requests = std::stoull(value());
    else if (a == "--seconds")
      o.seconds = std::stod(value());
    else if (a == "--rate")
      o.rate = std::stod(value());
    else if (a == "--window-requests")
      o.window_requests = std::stoull(value());
    else if (a == "--window-seconds")
      o.window_seconds = std::stod(value());
    else if (a == "--server-pid")
      o.server_pid = std::stoi(value());
    else if (a == "--label")
      o.label = value();
    else if (a == "--expect")
      o.expect = std::stoi(value());
    else if (a == "--timeout-seconds")
      o.timeout_seconds = std::stoi(value());
    else if (a == "--flood-kinds")
      o.flood_kinds = SplitComma(value());
    else if (a == "--token-prefix")
      o.token_prefix = value();
    else if (a == "--token-count")
      o.token_count = std::stoull(value());
    else if (a == "--idle-kind")
      o.idle_kind = value();
    else if (a == "--reconnect-delay-ms")
      o.reconnect_delay_ms = std::stoi(value());
    else
      Usage("unknown argument " + a);
  }
  if (o.port <= 0) Usage("--port is required");
  if (o.mode != "read" && o.mode != "flood" && o.mode != "idle") Usage("--mode read|flood|idle");
  if (o.mode == "read" && o.targets.empty()) Usage("read mode needs a --target");
  if (o.mode == "flood" && o.targets.empty())
    o.targets.push_back("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/x");
  if (o.idle_kind != "tls" && o.idle_kind != "tcp" && o.idle_kind != "partial")
    Usage("--idle-kind tls|tcp|partial");
  if (o.connections < 1 || o.threads < 1) Usage("--connections and --threads must be >= 1");
  for (const std::string& k : o.flood_kinds) {
    if (k != "token" && k != "anonymous" && k != "path" && k != "malformed" && k != "newtoken")
      Usage("unknown flood kind " + k);
  }
  return o;
}

// Log-linear latency histogram in microseconds: exact below 64 us, then 64 sub-buckets per power
// of two (at most 1.6 % relative error).
class Histogram {
 public:
  void Add(uint64_t us) {
    ++counts_[Index(us)];
    ++count_;
    max_ = std::max(max_, us);
  }
  void Merge(const Histogram& o) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
  }
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  // The smallest bucket value at or above the q-quantile.
  double QuantileMs(double q) const {
    if (count_ == 0) return 0;
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(q * count_ + 0.999999));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min<double>(UpperBound(i), max_) / 1000.0;
    }
    return max_ / 1000.0;
  }

 private:
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSub = 1u << kSubBits;
  static size_t Index(uint64_t us) {
    if (us < kSub) return us;
    const int e = 63 - __builtin_clzll(us);
    const int shift = e - kSubBits;
    const uint64_t sub = (us >> shift) - kSub;
    return std::min<size_t>(kSub + shift * kSub + sub, kBuckets - 1);
  }
  static uint64_t UpperBound(size_t i) {
    if (i < kSub) return i;
    const uint64_t shift = (i - kSub) / kSub;
    const uint64_t sub = (i - kSub) % kSub;
    return ((kSub + sub + 1) << shift) - 1;
  }
  static constexpr size_t kBuckets = kSub + 40 * kSub;
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

long RssKb(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out + "\"";
}

struct Window {
  Histogram latency;  // every HTTP answer
  std::map<int, uint64_t> statuses;
  uint64_t transport_errors = 0;
  uint64_t bad_status = 0;
  uint64_t reconnects = 0;  // Connection: close answers (no error)
  // idle mode
  uint64_t opened = 0, closed_by_server = 0, open_failures = 0;
  Clock::time_point started = Clock::now();

  void Merge(const Window& w) {
    latency.Merge(w.latency);
    for (const auto& [k, v] : w.statuses) statuses[k] += v;
    transport_errors += w.transport_errors;
    bad_status += w.bad_status;
    reconnects += w.reconnects;
    opened += w.opened;
    closed_by_server += w.closed_by_server;
    open_failures += w.open_failures;
  }
};

class Stats {
 public:
  Stats(const Options& o) : o_(o), start_(Clock::now()) {}

  void Answer(int status, uint64_t us) {
    std::lock_guard lock(mu_);
    window_.latency.Add(us);
    ++window_.statuses[status];
    if (o_.mode == "read" && status != o_.expect) ++window_.bad_status;
    if (o_.window_requests > 0 && Requests(window_) >= o_.window_requests) EmitLocked(false);
  }
  void TransportError(const std::string& what) {
    std::lock_guard lock(mu_);
    ++window_.transport_errors;
    if (first_errors_.size() < 5 && first_errors_.find(what) == first_errors_.end()) {
      first_errors_[what] = 1;
      std::fprintf(stderr, "soak_load[%s]: transport error: %s\n", o_.label.c_str(), what.c_str());
    }
    if (o_.window_requests > 0 && Requests(window_) >= o_.window_requests) EmitLocked(false);
  }
  void Reconnect() {
    std::lock_guard lock(mu_);
    ++window_.reconnects;
  }
  void Opened() {
    std::lock_guard lock(mu_);
    ++window_.opened;
    ++open_now_;
  }
  void Closed() {
    std::lock_guard lock(mu_);
    ++window_.closed_by_server;
    --open_now_;
  }
  void OpenFailed() {
    std::lock_guard lock(mu_);
    ++window_.open_failures;
  }
  void Emit(bool final_window) {
    std::lock_guard lock(mu_);
    const double open_for = std::chrono::duration<double>(Clock::now() - window_.started).count();
    if (final_window && Requests(window_) == 0 && windows_ > 0 &&
        (o_.mode != "idle" || open_for < 0.1)) {
      EmitTotal();
      return;
    }
    EmitLocked(false);
    if (final_window) EmitTotal();
  }
  bool AnyError() {
    std::lock_guard lock(mu_);
    return total_.transport_errors + total_.bad_status + window_.transport_errors +
               window_.bad_status >
           0;
  }

 private:
  static uint64_t Requests(const Window& w) { return w.latency.count() + w.transport_errors; }

  std::string Line(const Window& w, double seconds) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(3);
    const uint64_t n = Requests(w);
    s << "\"requests\":" << n << ",\"seconds\":" << seconds
      << ",\"rps\":" << (seconds > 0 ? n / seconds : 0)
      << ",\"errors\":" << (w.transport_errors + w.bad_status)
      << ",\"transport_errors\":" << w.transport_errors << ",\"statuses\":{";
    bool first = true;
    for (const auto& [k, v] : w.statuses) {
      s << (first ? "" : ",") << "\"" << k << "\":" << v;
      first = false;
    }
    s << "},\"p50_ms\":" << w.latency.QuantileMs(0.5)
      << ",\"p99_ms\":" << w.latency.QuantileMs(0.99)
      << ",\"p999_ms\":" << w.latency.QuantileMs(0.999)
      << ",\"max_ms\":" << w.latency.max() / 1000.0 << ",\"reconnects\":" << w.reconnects;
    if (o_.mode == "idle") {
      s << ",\"open\":" << open_now_ << ",\"opened\":" << w.opened
        << ",\"closed_by_server\":" << w.closed_by_server
        << ",\"open_failures\":" << w.open_failures;
    }
    if (o_.server_pid > 0) s << ",\"server_rss_kb\":" << RssKb(o_.server_pid);
    return s.str();
  }

  void EmitLocked(bool) {
    const auto now = Clock::now();
    const double secs = std::chrono::duration<double>(now - window_.started).count();
    const double t = std::chrono::duration<double>(now - start_).count();
    std::printf("{\"label\":%s,\"window\":%d,\"t\":%.1f,%s}\n", JsonString(o_.label).c_str(),
                ++windows_, t, Line(window_, secs).c_str());
    std::fflush(stdout);
    total_.Merge(window_);
    window_ = Window{};
  }

  void EmitTotal() {
    const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                       (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    std::printf("{\"label\":%s,\"total\":true,\"client_cpu_seconds\":%.1f,%s}\n",
                JsonString(o_.label).c_str(), cpu, Line(total_, secs).c_str());
    std::fflush(stdout);
  }

  const Options& o_;
  const Clock::time_point start_;
  std::mutex mu_;
  Window window_, total_;
  int windows_ = 0;
  int64_t open_now_ = 0;
  std::map<std::string, int> first_errors_;
};

struct Shared {
  const Options& o;
  Stats& stats;
  ssl::context& ctx;
  tcp::endpoint endpoint;
  std::atomic<uint64_t> issued{0};
  std::atomic<uint64_t> token_counter{0};
  std::atomic<int> finished{0};
  Clock::time_point deadline = Clock::time_point::max();

  bool Acquire() {
    if (g_stop.load()) return false;
    if (Clock::now() >= deadline) return false;
    if (o.requests > 0) return issued.fetch_add(1) < o.requests;
    return true;
  }
};

std::string RandomHex(std::mt19937_64& rng, int n) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) s += kHex[rng() % 16];
  return s;
}

// One kept-alive connection of the read and flood modes, on its thread's io_context.
class Requester : public std::enable_shared_from_this<Requester> {
 public:
  Requester(net::io_context& ioc, Shared& shared, int index)
      : ioc_(ioc), s_(shared), index_(index), timer_(ioc), rng_(0x5eed + index) {
    if (s_.o.rate > 0) interval_ = std::chrono::duration<double>(s_.o.connections / s_.o.rate);
  }

  void Start() {
    if (s_.o.rate > 0) {
      // Spread the connections' schedules over one interval.
      next_due_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     interval_ * (index_ / double(s_.o.connections)));
    }
    Connect();
  }

 private:
  void Connect() {
    stream_.emplace(ioc_, s_.ctx);
    connected_ = false;
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(s_.o.timeout_seconds));
    beast::get_lowest_layer(*stream_).async_connect(
        s_.endpoint, [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->Failed("connect: " + ec.message(), true);
          beast::error_code ignored;
          beast::get_lowest_layer(*self->stream_).socket().set_option(tcp::no_delay(true), ignored);
          self->stream_->async_handshake(ssl::stream_base::client, [self](beast::error_code ec2) {
            if (ec2) return self->Failed("handshake: " + ec2.message(), true);
            self->connected_ = true;
            self->Next();
          });
        });
  }

  // A failure before or during a request: counted once per lost request, then reconnect.
  void Failed(const std::string& what, bool before_request) {
    if (!g_stop.load()) {
      if (before_request) {
        if (s_.Acquire()) {
          s_.stats.TransportError(what);
        } else {
          return Done();
        }
      } else {
        s_.stats.TransportError(what);
      }
    }
    stream_.reset();
    if (g_stop.load()) return Done();
    timer_.expires_after(std::chrono::milliseconds(std::max(50, s_.o.reconnect_delay_ms)));
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Connect(); });
  }

  void Done() {
    stream_.reset();
    s_.finished.fetch_add(1);
  }

  void Next() {
    if (!s_.Acquire()) return Done();
    if (s_.o.rate > 0) {
      const auto due = next_due_;
      next_due_ += std::chrono::duration_cast<Clock::duration>(interval_);
      if (due > Clock::now()) {
        timer_.expires_at(due);
        timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Send(); });
        return;
      }
      // Behind schedule (a slow answer): do not try to catch up with a burst.
      if (next_due_ < Clock::now()) next_due_ = Clock::now();
    }
    Send();
  }

  void BuildRequest() {
    req_ = {};
    req_.version(11);
    req_.method(http::verb::get);
    req_.set(http::field::host, s_.o.host);
    req_.set(http::field::accept, "application/json");
    req_.keep_alive(true);
    if (s_.o.mode == "read") {
      req_.target(s_.o.targets[next_target_++ % s_.o.targets.size()]);
      for (const auto& [k, v] : s_.o.headers) req_.set(k, v);
      return;
    }
    const std::string& kind = s_.o.flood_kinds[rng_() % s_.o.flood_kinds.size()];
    const std::string base = "/apis/external.metrics.k8s.io/v1beta1/namespaces/";
    if (kind == "token") {
      req_.target(s_.o.targets[rng_() % s_.o.targets.size()]);
      req_.set(http::field::authorization, "Bearer " + RandomHex(rng_, 40));
    } else if (kind == "newtoken") {
      req_.target(s_.o.targets[rng_() % s_.o.targets.size()]);
      const uint64_t n = s_.token_counter.fetch_add(1) % std::max<uint64_t>(1, s_.o.token_count);
      req_.set(http::field::authorization, "Bearer " + s_.o.token_prefix + std::to_string(n));
    } else if (kind == "anonymous") {
      req_.target(base + "ns" + RandomHex(rng_, 6) + "/metric_" + RandomHex(rng_, 12) +
                  "?labelSelector=venue%3D" + RandomHex(rng_, 4));
    } else if (kind == "path") {
      req_.target("/" + RandomHex(rng_, 8) + "/" + RandomHex(rng_, 16));
    } else {  // malformed: an encoded slash in a segment, refused before authentication
      req_.target(base + "default/bad%2F" + RandomHex(rng_, 8));
    }
    for (const auto& [k, v] : s_.o.headers) req_.set(k, v);
  }

  void Send() {
    BuildRequest();
    res_.emplace();
    res_->body_limit(64 << 20);
    sent_ = Clock::now();
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(s_.o.timeout_seconds));
    http::async_write(
        *stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->Failed("write: " + ec.message(), false);
          http::async_read(*self->stream_, self->buffer_, *self->res_,
                           [self](beast::error_code ec2, std::size_t) { self->OnResponse(ec2); });
        });
  }

  void OnResponse(beast::error_code ec) {
    if (ec) return Failed("read: " + ec.message(), false);
    const uint64_t us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_).count();
    const auto& res = res_->get();
    s_.stats.Answer(res.result_int(), us);
    if (!res.keep_alive()) {
      s_.stats.Reconnect();
      stream_.reset();
      buffer_.clear();
      if (g_stop.load()) return Done();
      return Connect();
    }
    Next();
  }

  net::io_context& ioc_;
  Shared& s_;
  const int index_;
  net::steady_timer timer_;
  std::mt19937_64 rng_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> req_;
  std::optional<http::response_parser<http::string_body>> res_;
  Clock::time_point sent_;
  Clock::time_point next_due_;
  std::chrono::duration<double> interval_{0};
  size_t next_target_ = 0;
  bool connected_ = false;
};

// One idle connection: opened, left alone, reopened when the server closes it.
class Idler : public std::enable_shared_from_this<Idler> {
 public:
  Idler(net::io_context& ioc, Shared& shared) : ioc_(ioc), s_(shared), timer_(ioc) {}

  void Start() { Connect(); }

 private:
  void Connect() {
    if (g_stop.load()) return;
    stream_.emplace(ioc_, s_.ctx);
    beast::get_lowest_layer(*stream_).async_connect(
        s_.endpoint, [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->Retry(false);
          if (self->s_.o.idle_kind == "tcp") return self->Established();
          beast::get_lowest_layer(*self->stream_).expires_after(std::chrono::seconds(30));
          self->stream_->async_handshake(ssl::stream_base::client, [self](beast::error_code ec2) {
            if (ec2) return self->Retry(false);
            beast::get_lowest_layer(*self->stream_).expires_never();
            if (self->s_.o.idle_kind == "tls") return self->Established();
            static const std::string kPartial =
                "GET /apis/external.metrics.k8s.io/v1beta1 HTTP/1.1\r\nHost: 127.0.0.1\r\n";
            net::async_write(*self->stream_, net::buffer(kPartial),
                             [self](beast::error_code ec3, std::size_t) {
                               if (ec3) return self->Retry(false);
                               self->Established();
                             });
          });
        });
  }

  void Established() {
    s_.stats.Opened();
    open_ = true;
    // Wait for the server to close (or answer: then it is closing too).
    if (s_.o.idle_kind == "tcp") {
      beast::get_lowest_layer(*stream_).expires_never();
      beast::get_lowest_layer(*stream_).socket().async_read_some(
          net::buffer(byte_),
          [self = shared_from_this()](beast::error_code, std::size_t) { self->Retry(true); });
    } else {
      stream_->async_read_some(
          net::buffer(byte_),
          [self = shared_from_this()](beast::error_code, std::size_t) { self->Retry(true); });
    }
  }

  void Retry(bool was_open) {
    if (g_stop.load()) return;
    if (was_open) {
      s_.stats.Closed();
    } else {
      s_.stats.OpenFailed();
    }
    open_ = false;
    stream_.reset();
    timer_.expires_after(std::chrono::milliseconds(std::max(10, s_.o.reconnect_delay_ms)));
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Connect(); });
  }

  net::io_context& ioc_;
  Shared& s_;
  net::steady_timer timer_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  std::array<char, 1> byte_{};
  bool open_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGUSR1, OnCut);
  std::signal(SIGPIPE, SIG_IGN);
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }

  ssl::context ctx(ssl::context::tls_client);
  if (!o.ca_file.empty()) {
    ctx.load_verify_file(o.ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
  } else {
    ctx.set_verify_mode(ssl::verify_none);
  }
  if (!o.cert_file.empty()) {
    ctx.use_certificate_chain_file(o.cert_file);
    ctx.use_private_key_file(o.key_file, ssl::context::pem);
  }

  Stats stats(o);
  Shared shared{o, stats, ctx, tcp::endpoint(net::ip::make_address(o.host), o.port)};
  const auto start = Clock::now();
  if (o.seconds > 0)
    shared.deadline = start + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(o.seconds));

  std::vector<std::unique_ptr<net::io_context>> contexts;
  for (int t = 0; t < o.threads; ++t) contexts.push_back(std::make_unique<net::io_context>(1));
  std::vector<std::shared_ptr<Requester>> requesters;
  std::vector<std::shared_ptr<Idler>> idlers;
  for (int c = 0; c < o.connections; ++c) {
    net::io_context& ioc = *contexts[c % o.threads];
    if (o.mode == "idle") {
      idlers.push_back(std::make_shared<Idler>(ioc, shared));
      net::post(ioc, [i = idlers.back()] { i->Start(); });
    } else {
      requesters.push_back(std::make_shared<Requester>(ioc, shared, c));
      net::post(ioc, [r = requesters.back()] { r->Start(); });
    }
  }
  std::vector<std::thread> threads;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (auto& ioc : contexts) {
    guards.push_back(net::make_work_guard(*ioc));
    threads.emplace_back([&ioc] { ioc->run(); });
  }

  auto next_window = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(o.window_seconds));
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto now = Clock::now();
    if (o.window_seconds > 0 && now >= next_window) {
      stats.Emit(false);
      next_window += std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(o.window_seconds));
    }
    if (g_cut.exchange(false)) stats.Emit(false);
    if (g_stop.load()) break;
    if (o.mode != "idle" && shared.finished.load() >= o.connections) break;
    if (o.mode == "idle" && now >= shared.deadline) break;
  }
  g_stop.store(true);
  stats.Emit(true);
  const int code = o.mode == "read" && stats.AnyError() ? 1 : 0;
  for (auto& ioc : contexts) ioc->stop();
  for (std::thread& t : threads) t.join();
  std::fflush(stdout);
  std::_Exit(code);  // the connections' sockets would otherwise outlive their io_context
}
