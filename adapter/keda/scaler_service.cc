#include "adapter/keda/scaler_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "apiserver/digest.h"
#include "common/log.h"

namespace prescale::adapter::keda {
namespace {

// The answer to one trigger in one snapshot, memoized per thread for the unary RPCs: KEDA and the
// HPA repeat the same questions while a snapshot is current, and parsing the metadata and
// scanning the series is most of the service's own cost per call. The memo holds a reference to
// its snapshot, so a new snapshot can never be mistaken for it; it empties when the snapshot
// changes, or when it holds kMemoEntries triggers or kMemoBytes bytes. It is keyed by the
// SHA-256 of the metadata (a collision-resistant digest: a caller cannot craft metadata whose
// key is another trigger's and so plant an answer for it), and holds no INVALID_ARGUMENT answer:
// a caller sending ever new malformed metadata fills nothing.
struct MemoEntry {
  std::variant<ScalerAnswer, ScalerError> answer;
  std::string spec_name;
};
struct Memo {
  std::shared_ptr<const Snapshot> snapshot;
  std::unordered_map<std::string, MemoEntry> entries;
  size_t bytes = 0;
};
thread_local Memo memo;
constexpr size_t kMemoEntries = 1024;
constexpr size_t kMemoBytes = size_t{1} << 20;  // per gRPC thread

// The digest of the namespace (which decides the series visible) and the metadata, independent
// of the map's iteration order. Within the metadata bounds (CheckMetadataBounds), so the text
// hashed is at most kMaxMetadataBytes plus the namespace and separators.
std::string MetadataKey(const externalscaler::ScaledObjectRef& ref) {
  std::vector<const google::protobuf::MapPair<std::string, std::string>*> pairs;
  pairs.reserve(ref.scalermetadata().size());
  size_t size = 0;
  for (const auto& pair : ref.scalermetadata()) {
    pairs.push_back(&pair);
    size += pair.first.size() + pair.second.size() + 2;
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string text;
  text.reserve(size + ref.namespace_().size() + 1);
  text += ref.namespace_();
  text += '\0';
  for (const auto* pair : pairs) {
    text += pair->first;
    text += '\0';
    text += pair->second;
    text += '\0';
  }
  return apiserver::Sha256Hex(text);
}

size_t EntryBytes(const std::string& key, const MemoEntry& entry) {
  const auto* error = std::get_if<ScalerError>(&entry.answer);
  return sizeof(MemoEntry) + key.size() + entry.spec_name.size() +
         (error ? error->message.size() : 0) + 64;  // and the map's node
}

MemoEntry Answer(const SnapshotHolder& holder, const externalscaler::ScaledObjectRef& ref) {
  if (std::optional<ScalerError> error = CheckMetadataBounds(ref)) return {std::move(*error), ""};
  std::shared_ptr<const Snapshot> snapshot = holder.Current();
  if (memo.snapshot != snapshot || memo.entries.size() >= kMemoEntries ||
      memo.bytes >= kMemoBytes) {
    memo.entries.clear();
    memo.bytes = 0;
    memo.snapshot = snapshot;
  }
  std::string key = MetadataKey(ref);
  if (const auto it = memo.entries.find(key); it != memo.entries.end()) return it->second;
  MemoEntry entry;
  auto parsed = ParseScalerMetadata(ref);
  if (auto* error = std::get_if<ScalerError>(&parsed)) {
    entry.answer = std::move(*error);
  } else {
    const ScalerQuery& query = std::get<ScalerQuery>(parsed);
    entry.answer = Evaluate(snapshot.get(), query);
    entry.spec_name = query.spec_name;
  }
  const auto* error = std::get_if<ScalerError>(&entry.answer);
  if (error && error->code == grpc::StatusCode::INVALID_ARGUMENT) return entry;
  memo.bytes += EntryBytes(key, entry);
  return memo.entries.emplace(std::move(key), std::move(entry)).first->second;
}

}  // namespace

// A stream as the service sees it: something to re-evaluate after a publish, or to end.
class ScalerService::Stream {
 public:
  virtual ~Stream() = default;
  virtual void Poke() = 0;
  virtual void End(grpc::Status status) = 0;

  bool counted = false;  // guarded by the service's mu_: holds one of max_streams' places
};

// A server-streaming call whose answer is a function of the current snapshot.
//
// Concurrency: pokes (watcher thread), ends (Shutdown, OnCancel) and write completions (gRPC
// threads) race. Only the holder of `busy_` may call StartWrite or Finish; it keeps `busy_`
// while a write is in flight and hands it back in OnWriteDone. Others leave a note (`dirty_`:
// re-evaluate; `end_`: finish with this status) that the holder reads before releasing `busy_`.
// No lock is held while calling into gRPC.
template <class Response>
class ScalerService::SnapshotStream final : public grpc::ServerWriteReactor<Response>,
                                            public ScalerService::Stream {
 public:
  using Compute = std::function<std::variant<Response, ScalerError>(const Snapshot*)>;

  SnapshotStream(ScalerService& service, Method method, Compute compute)
      : service_(service), method_(method), compute_(std::move(compute)) {}

  void Poke() override {
    if (Acquire(nullptr)) Pump();
  }
  void End(grpc::Status status) override {
    if (Acquire(&status)) Pump();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      std::lock_guard lock(mu_);
      if (!end_) end_ = grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
    }
    Pump();  // this thread holds busy_ since the write started
  }
  void OnCancel() override {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  }
  // Last call: may delete this (the registry drops its reference).
  void OnDone() override { service_.StreamDone(this, method_, final_code_); }

 private:
  // True if the caller now holds busy_; otherwise its request is noted for the holder.
  bool Acquire(const grpc::Status* end) {
    std::lock_guard lock(mu_);
    if (finished_) return false;
    if (end && !end_) end_ = *end;
    if (busy_) {
      dirty_ = true;
      return false;
    }
    busy_ = true;
    return true;
  }

  void FinishWith(const grpc::Status& status) {
    {
      std::lock_guard lock(mu_);
      finished_ = true;
      final_code_ = status.error_code();
    }
    this->Finish(status);
  }

  // Runs while holding busy_.
  void Pump() {
    for (;;) {
      std::optional<grpc::Status> end;
      {
        std::lock_guard lock(mu_);
        end = end_;
        dirty_ = false;
      }
      if (end) return FinishWith(*end);
      std::variant<Response, ScalerError> answer = compute_(service_.holder_.Current().get());
      if (const auto* error = std::get_if<ScalerError>(&answer)) {
        log::Debug("gRPC stream ended", {{"method", MethodName(method_)},
                                         {"code", StatusCodeName(error->code)},
                                         {"message", error->message}});
        return FinishWith(error->ToStatus());
      }
      std::string bytes = std::get<Response>(answer).SerializeAsString();
      if (!sent_any_ || bytes != last_sent_) {
        sent_any_ = true;
        last_sent_ = std::move(bytes);
        response_ = std::move(std::get<Response>(answer));
        service_.observer_.OnStreamMessage(method_);
        this->StartWrite(&response_);
        return;  // busy_ is handed back in OnWriteDone
      }
      std::lock_guard lock(mu_);
      if (!dirty_ && !end_) {
        busy_ = false;
        return;
      }
    }
  }

  ScalerService& service_;
  const Method method_;
  const Compute compute_;

  std::mutex mu_;
  bool busy_ = false;                                   // guarded by mu_
  bool dirty_ = false;                                  // guarded by mu_
  bool finished_ = false;                               // guarded by mu_: Finish was called
  std::optional<grpc::Status> end_;                     // guarded by mu_
  grpc::StatusCode final_code_ = grpc::StatusCode::OK;  // set before Finish, read in OnDone

  // Owned by the busy_ holder.
  bool sent_any_ = false;
  std::string last_sent_;  // serialized last message
  Response response_;      // the message being written
};

ScalerService::ScalerService(const SnapshotHolder& holder, RpcObserver& observer,
                             std::function<void(bool)> on_readiness,
                             std::vector<std::string> allowed_names, size_t max_streams)
    : holder_(holder),
      observer_(observer),
      on_readiness_(std::move(on_readiness)),
      allowed_names_(std::move(allowed_names)),
      max_streams_(max_streams) {}

const ScalerError* ScalerService::Counted(const ScalerError* error) const {
  if (error && error->limit) observer_.OnLimit(*error->limit);
  return error;
}

std::optional<ScalerError> ScalerService::Refuse(const grpc::CallbackServerContext* context) const {
  if (allowed_names_.empty()) return std::nullopt;
  const std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  std::string names;
  for (const char* property : {"x509_common_name", "x509_subject_alternative_name"}) {
    for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
      const std::string name(value.data(), value.size());
      if (std::find(allowed_names_.begin(), allowed_names_.end(), name) != allowed_names_.end())
        return std::nullopt;
      if (names.size() < 256) names += (names.empty() ? "" : ", ") + name;
    }
  }
  observer_.OnRefused(apiserver::AuthzDenial::kNameNotAllowed);
  log::Warn("gRPC caller refused: its certificate is not in --grpc-allowed-names",
            {{"peer", context->peer()}, {"names", names}});
  return ScalerError{grpc::StatusCode::PERMISSION_DENIED, "the client certificate (" +
                                                              (names.empty() ? "no name" : names) +
                                                              ") is not allowed to read metrics"};
}

ScalerService::~ScalerService() { Shutdown(); }

void ScalerService::Start() {
  // The version is read here, not when the thread first runs: a publish between Start and the
  // thread's first instant (a loaded machine) would otherwise never reach the open streams.
  const uint64_t seen = holder_.version();
  ReportReadiness();
  watcher_ = std::jthread([this, seen](std::stop_token stop) { Watch(stop, seen); });
}

void ScalerService::Shutdown() {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
    for (const auto& [raw, stream] : streams_) streams.push_back(stream);
  }
  if (watcher_.joinable()) {
    watcher_.request_stop();
    watcher_.join();
  }
  for (const auto& stream : streams)
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "prescale is shutting down"));
}

size_t ScalerService::open_streams() const {
  std::lock_guard lock(mu_);
  return streams_.size();
}

void ScalerService::ReportReadiness() {
  const std::shared_ptr<const Snapshot> snapshot = holder_.Current();
  const int ready = snapshot && snapshot->complete() ? 1 : 0;
  if (ready == readiness_) return;
  readiness_ = ready;
  if (on_readiness_) on_readiness_(ready == 1);
}

void ScalerService::Watch(std::stop_token stop, uint64_t seen) {
  while (!stop.stop_requested()) {
    const uint64_t version = holder_.WaitForNewerThan(seen, stop);
    if (stop.stop_requested()) return;
    if (version == seen) continue;
    seen = version;
    ReportReadiness();
    std::vector<std::shared_ptr<Stream>> streams;
    {
      std::lock_guard lock(mu_);
      streams.reserve(streams_.size());
      for (const auto& [raw, stream] : streams_) streams.push_back(stream);
    }
    // Every open stream re-evaluates here, one after the other. That is bounded: at most
    // max_streams_ streams, each a selector of at most kMaxSelectorRequirements requirements
    // (kMaxSelectorBytes) matched against the served series, so no stream can stall the others
    // for long; a stream whose write is still in flight only notes the change (Poke).
    for (const auto& stream : streams) stream->Poke();
  }
}

template <class Response>
ScalerService::SnapshotStream<Response>* ScalerService::OpenStream(
    Method method, std::function<std::variant<Response, ScalerError>(const Snapshot*)> compute,
    bool counted) {
  auto stream = std::make_shared<SnapshotStream<Response>>(*this, method, std::move(compute));
  observer_.OnStreamOpened(method);
  bool shutting_down;
  bool refused = false;
  {
    std::lock_guard lock(mu_);
    streams_.emplace(stream.get(), stream);
    shutting_down = shutting_down_;
    if (counted && !shutting_down) {
      refused = counted_streams_ >= max_streams_;
      if (!refused) {
        ++counted_streams_;
        stream->counted = true;
      }
    }
  }
  // Safe before the reactor is returned to gRPC: its first operations are queued until then.
  if (shutting_down) {
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "prescale is shutting down"));
  } else if (refused) {
    observer_.OnLimit(apiserver::Limit::kGrpcStreams);
    stream->End(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        "too many open streams (at most " + std::to_string(max_streams_) + "); retry later"));
  } else {
    stream->Poke();
  }
  return stream.get();  // the registry keeps it alive until StreamDone
}

void ScalerService::StreamDone(Stream* stream, Method method, grpc::StatusCode code) {
  observer_.OnRpcDone(method, code);
  std::shared_ptr<Stream> last;  // destroyed after the lock is released
  std::lock_guard lock(mu_);
  const auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  last = std::move(it->second);
  streams_.erase(it);
  if (last->counted) --counted_streams_;
}

grpc::ServerUnaryReactor* ScalerService::FinishUnary(grpc::CallbackServerContext* context,
                                                     Method method, grpc::Status status) {
  observer_.OnRpcDone(method, status.error_code());
  if (!status.ok())
    log::Debug("gRPC call failed", {{"method", MethodName(method)},
                                    {"code", StatusCodeName(status.error_code())},
                                    {"message", status.error_message()}});
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

grpc::ServerUnaryReactor* ScalerService::IsActive(grpc::CallbackServerContext* context,
                                                  const externalscaler::ScaledObjectRef* request,
                                                  externalscaler::IsActiveResponse* response) {
  if (auto refused = Refuse(context))
    return FinishUnary(context, Method::kIsActive, refused->ToStatus());
  const MemoEntry entry = Answer(holder_, *request);
  if (const auto* error = Counted(std::get_if<ScalerError>(&entry.answer)))
    return FinishUnary(context, Method::kIsActive, error->ToStatus());
  response->set_result(std::get<ScalerAnswer>(entry.answer).active);
  return FinishUnary(context, Method::kIsActive, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ScalerService::GetMetricSpec(
    grpc::CallbackServerContext* context, const externalscaler::ScaledObjectRef* request,
    externalscaler::GetMetricSpecResponse* response) {
  if (auto refused = Refuse(context))
    return FinishUnary(context, Method::kGetMetricSpec, refused->ToStatus());
  auto parsed = ParseScalerMetadata(*request);
  if (auto* error = Counted(std::get_if<ScalerError>(&parsed)))
    return FinishUnary(context, Method::kGetMetricSpec, error->ToStatus());
  auto answer = MetricSpecAnswer(holder_.Current().get(), std::get<ScalerQuery>(parsed));
  if (auto* error = std::get_if<ScalerError>(&answer))
    return FinishUnary(context, Method::kGetMetricSpec, error->ToStatus());
  response->Swap(&std::get<externalscaler::GetMetricSpecResponse>(answer));
  return FinishUnary(context, Method::kGetMetricSpec, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ScalerService::GetMetrics(
    grpc::CallbackServerContext* context, const externalscaler::GetMetricsRequest* request,
    externalscaler::GetMetricsResponse* response) {
  if (auto refused = Refuse(context))
    return FinishUnary(context, Method::kGetMetrics, refused->ToStatus());
  const MemoEntry entry = Answer(holder_, request->scaledobjectref());
  if (const auto* error = Counted(std::get_if<ScalerError>(&entry.answer)))
    return FinishUnary(context, Method::kGetMetrics, error->ToStatus());
  AddMetricValue(std::get<ScalerAnswer>(entry.answer),
                 request->metricname().empty() ? entry.spec_name : request->metricname(), response);
  return FinishUnary(context, Method::kGetMetrics, grpc::Status::OK);
}

grpc::ServerWriteReactor<externalscaler::IsActiveResponse>* ScalerService::StreamIsActive(
    grpc::CallbackServerContext* context, const externalscaler::ScaledObjectRef* request) {
  using Answer = std::variant<externalscaler::IsActiveResponse, ScalerError>;
  auto parsed = ParseScalerMetadata(*request);
  if (auto refused = Refuse(context)) parsed = std::move(*refused);
  if (auto* error = Counted(std::get_if<ScalerError>(&parsed))) {
    return OpenStream<externalscaler::IsActiveResponse>(
        Method::kStreamIsActive, [error = *error](const Snapshot*) -> Answer { return error; },
        /*counted=*/false);
  }
  return OpenStream<externalscaler::IsActiveResponse>(
      Method::kStreamIsActive,
      [query = std::get<ScalerQuery>(parsed)](const Snapshot* snapshot) -> Answer {
        auto answer = Evaluate(snapshot, query);
        if (auto* error = std::get_if<ScalerError>(&answer)) return std::move(*error);
        externalscaler::IsActiveResponse response;
        response.set_result(std::get<ScalerAnswer>(answer).active);
        return response;
      },
      /*counted=*/true);
}

grpc::ServerWriteReactor<externalscaler::GetMetricSpecResponse>* ScalerService::StreamMetricSpec(
    grpc::CallbackServerContext* context, const externalscaler::ScaledObjectRef* request) {
  using Answer = std::variant<externalscaler::GetMetricSpecResponse, ScalerError>;
  auto parsed = ParseScalerMetadata(*request);
  if (auto refused = Refuse(context)) parsed = std::move(*refused);
  if (auto* error = Counted(std::get_if<ScalerError>(&parsed))) {
    return OpenStream<externalscaler::GetMetricSpecResponse>(
        Method::kStreamMetricSpec, [error = *error](const Snapshot*) -> Answer { return error; },
        /*counted=*/false);
  }
  return OpenStream<externalscaler::GetMetricSpecResponse>(
      Method::kStreamMetricSpec,
      [query = std::get<ScalerQuery>(parsed)](const Snapshot* snapshot) -> Answer {
        return MetricSpecAnswer(snapshot, query);
      },
      /*counted=*/true);
}

}  // namespace prescale::adapter::keda
