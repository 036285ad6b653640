#include <prometheus/text_serializer.h>
#include <signal.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "adapter/adapter_metrics.h"
#include "adapter/audit_log.h"
#include "adapter/cli/auth_setup.h"
#include "adapter/cli/commands.h"
#include "adapter/cli/serve_options.h"
#include "adapter/cli/version_info.h"
#include "adapter/demo_source.h"
#include "adapter/keda/grpc_server.h"
#include "adapter/keda/keda_options.h"
#include "adapter/process_metrics.h"
#include "adapter/prometheus_credentials.h"
#include "adapter/refresh_loop.h"
#include "adapter/snapshot_provider.h"
#include "apiserver/handler.h"
#include "apiserver/serving_cert_reloader.h"
#include "apiserver/serving_certs.h"
#include "apiserver/tls_server.h"
#include "common/build_info.h"
#include "common/duration.h"
#include "common/log.h"
#include "policies/config_watcher.h"
#include "policies/policy_file.h"

namespace prescale::cli {
namespace {

using adapter::AdapterMetrics;
using adapter::AuditLog;
using adapter::DemoDataSource;
using adapter::RefreshLoop;
using adapter::RefreshLoopOptions;
using adapter::Snapshot;
using adapter::SnapshotHolder;
using adapter::SnapshotProvider;
namespace keda = adapter::keda;

// How often the serving certificate files are checked for a change (the kubelet updates a
// mounted Secret within about a minute; cert-manager renews days before expiry).
constexpr std::chrono::seconds kCertificatePollInterval{5};
// How often the client CA bundles are re-read: their files, or the ConfigMap they come from.
constexpr std::chrono::seconds kClientCaFilePoll{5};
constexpr std::chrono::seconds kClientCaConfigMapPoll{10};

// Blocks until SIGTERM or SIGINT.
void WaitForTermination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  log::Info("shutting down", {{"signal", signal}});
}

// The refresh loop's options; a Prometheus client is created from them (nothing is dialled) so
// that a bad header, credential or certificate flag is an exit-2 error before anything starts.
RefreshLoopOptions RefreshOptionsFrom(const ServeOptions& o, const policies::Config& config) {
  RefreshLoopOptions r;
  r.url_override = o.prometheus_url;
  if (!o.prometheus_timeout.empty()) {
    std::string error;
    const std::optional<Duration> timeout = ParseDuration(o.prometheus_timeout, &error);
    if (!timeout || *timeout <= Duration::zero() || *timeout > std::chrono::hours(24))
      throw SetupError(2, "--prometheus-timeout: " +
                              (error.empty() ? "must be positive and at most 24h" : error));
    r.timeout_override = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
  }
  r.client.token_file = o.prometheus_token_file;
  r.client.basic_auth_file = o.prometheus_basic_auth_file;
  r.client.ca_file = o.prometheus_ca_file;
  r.client.client_cert_file = o.prometheus_client_cert_file;
  r.client.client_key_file = o.prometheus_client_key_file;
  for (const std::string& flag : o.prometheus_headers) {
    std::pair<std::string, std::string> header;
    if (std::string error = adapter::ParsePrometheusHeader(flag, &header); !error.empty())
      throw SetupError(2, error);
    r.client.headers.push_back(std::move(header));
  }
  r.client.max_body_bytes = static_cast<size_t>(o.prometheus_max_answer_bytes);
  adapter::PrometheusClientOptions check = r.client;
  check.url = config.prometheus.url;
  auto created = adapter::PrometheusClient::Create(check);
  if (auto* error = std::get_if<std::string>(&created)) throw SetupError(2, *error);
  r.runner.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  r.runner.budget =
      std::make_shared<adapter::HistoryBudget>(static_cast<size_t>(o.max_history_bytes));
  return r;
}

int RunServe(const ServeOptions& o) {
  log::Level level = log::Level::kInfo;
  log::ParseLevel(o.log_level, &level);
  if (o.verbosity >= 0) level = log::LevelForVerbosity(o.verbosity);
  log::SetLevel(level);
  log::Format format = log::Format::kJson;
  log::ParseFormat(o.logging_format, &format);
  log::SetFormat(format);

  // Threads started below inherit this mask, so only WaitForTermination sees the signals.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const policies::LoadResult loaded = policies::LoadConfigFile(o.config_file);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::cerr << e.ToString() << "\n";
    return 2;
  }
  policies::Config config = *loaded.config;
  for (const policies::Policy& p : config.policies) {
    if (p.namespaces.empty() && p.namespace_label.empty())
      log::Warn("policy serves its metrics to every namespace (set namespaces or namespace_label)",
                {{"policy", p.name}});
  }
  if (!o.prometheus_url.empty()) config.prometheus.url = o.prometheus_url;

  try {
    const RefreshLoopOptions refresh_options =
        o.demo_data ? RefreshLoopOptions{} : RefreshOptionsFrom(o, config);
    // Before the authorizer: its background re-reviews report to the metrics until it is gone.
    auto registry = std::make_shared<prometheus::Registry>();
    apiserver::ServerMetrics server_metrics(*registry);
    AuthComponents auth = BuildAuth(o);
    const apiserver::ServingCertFiles cert =
        apiserver::ResolveServingCert(o.tls_cert_file, o.tls_private_key_file, o.cert_dir);
    if (cert.generated)
      log::Info("generated a self-signed serving certificate", {{"file", cert.cert_file}});

    ReportRevalidations(*auth.authorizer, server_metrics);
    AdapterMetrics adapter_metrics(*registry, config);
    adapter_metrics.OnConfigReload(true);

    SnapshotHolder holder;
    SnapshotProvider provider(holder);
    apiserver::HandlerOptions handler_options;
    handler_options.version_json = VersionInfoJson(build::kVersion);
    auto process_metrics = std::make_shared<adapter::ProcessMetrics>();  // process_* metrics
    handler_options.metrics_text = [registry, process_metrics, &adapter_metrics] {
      adapter_metrics.UpdateBeforeScrape();
      std::vector<prometheus::MetricFamily> families = registry->Collect();
      std::vector<prometheus::MetricFamily> process = process_metrics->Collect();
      families.insert(families.end(), std::make_move_iterator(process.begin()),
                      std::make_move_iterator(process.end()));
      std::ostringstream out;
      prometheus::TextSerializer().Serialize(out, families);
      return out.str();
    };
    apiserver::ApiHandler handler(provider, *auth.authenticator, *auth.authorizer, server_metrics,
                                  handler_options);

    auto certificate =
        std::make_shared<apiserver::ServingCertReloader>(cert.cert_file, cert.key_file);
    server_metrics.SetCertificateExpiry(certificate->not_after());
    certificate->Start(kCertificatePollInterval, [&server_metrics, certificate = certificate.get(),
                                                  file = cert.cert_file](
                                                     apiserver::ServingCertReloader::Result result,
                                                     const std::string& error, double not_after) {
      const bool ok = result == apiserver::ServingCertReloader::Result::kReloaded;
      server_metrics.RecordCertificateReload(ok);
      if (ok) {
        server_metrics.SetCertificateExpiry(not_after);
        log::Info("serving certificate reloaded",
                  {{"file", file}, {"subject", certificate->subject()}, {"not_after", not_after}});
      } else {
        log::Error("serving certificate not reloaded; the previous one stays in force",
                   {{"error", error}});
      }
    });
    apiserver::TlsServerOptions server_options;
    server_options.bind_address = o.bind_address;
    server_options.port = static_cast<uint16_t>(o.secure_port);
    server_options.io_threads = o.io_threads;
    server_options.max_connections = o.max_connections;
    server_options.permit_port_sharing = o.permit_port_sharing;
    {
      std::string error;
      std::optional<apiserver::TlsSettings> tls =
          apiserver::ParseTlsSettings(o.tls_min_version, o.tls_cipher_suites, &error);
      if (!tls) throw SetupError(2, error);
      server_options.tls = *tls;
    }
    {
      std::string error;
      const std::optional<Duration> timeout = ParseDuration(o.read_header_timeout, &error);
      if (!timeout || *timeout < std::chrono::seconds(1))
        throw SetupError(2, "--read-header-timeout " + o.read_header_timeout + ": " +
                                (timeout ? "at least 1s" : error));
      server_options.request_timeout = std::chrono::ceil<std::chrono::seconds>(*timeout);
    }
    server_options.blocking_threads = o.delegation_threads;
    server_options.max_pending_reviews = o.max_pending_reviews;
    server_options.certificate = certificate;
    ClientCaWatcher ca_watcher(auth.read_cas, auth.cas, auth.verifier, &server_metrics,
                               kClientCaFilePoll, kClientCaConfigMapPoll);
    ca_watcher.Start();
    apiserver::TlsServer server(server_options, *auth.verifier, handler,
                                &server_metrics.security());
    server.Start();
    log::Info("serving the external metrics API",
              {{"address", o.bind_address},
               {"port", static_cast<int64_t>(server.port())},
               {"policies", static_cast<int64_t>(config.policies.size())}});

    // KEDA external scaler over gRPC (nullptr without --grpc-port).
    std::unique_ptr<keda::GrpcServer> grpc_server = keda::StartKedaServer(
        o.keda, o.bind_address, cert.cert_file, cert.key_file, holder, *registry);

    if (o.demo_data) {
      DemoDataSource source(config, holder, o.demo_series, [&adapter_metrics](const Snapshot& s) {
        adapter_metrics.OnSnapshotPublished(s);
      });
      source.Start();
      WaitForTermination();
      source.Stop();
    } else {
      std::unique_ptr<AuditLog> audit;
      if (!o.audit_log.empty()) {
        audit = std::make_unique<AuditLog>(o.audit_log,
                                           static_cast<size_t>(o.audit_log_maxsize_mb) << 20,
                                           static_cast<size_t>(o.audit_log_maxbackup));
      }
      RefreshLoop loop(config, refresh_options, holder, adapter_metrics, audit.get());
      policies::ConfigWatcher watcher(
          o.config_file, std::make_shared<const policies::Config>(*loaded.config),
          [&](std::shared_ptr<const policies::Config> next) {
            std::string error;
            const bool ok = loop.Reload(next, &error);
            adapter_metrics.OnConfigReload(ok);
            if (!ok)
              log::Error("policy file reload rejected; the previous configuration stays in force",
                         {{"file", o.config_file}, {"error", error}});
          },
          [&](const std::vector<policies::ConfigError>&) {
            adapter_metrics.OnConfigReload(false);
          });
      loop.Start();
      watcher.Start();
      WaitForTermination();
      watcher.Stop();
      loop.Stop();
    }
    if (grpc_server) grpc_server->Stop();
    server.Stop();
    certificate->Stop();
    return 0;
  } catch (const SetupError& e) {
    std::cerr << "prescale serve: " << e.what() << "\n";
    return e.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "prescale serve: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

CommandRunner AddServeCommand(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run the adapter: serve forecasts through the Kubernetes external metrics API");
  auto options = std::make_shared<ServeOptions>();
  AddServeFlags(*cmd, *options);
  return [options] { return RunServe(*options); };
}

}  // namespace prescale::cli
