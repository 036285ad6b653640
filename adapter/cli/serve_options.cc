#include "adapter/cli/serve_options.h"

#include <CLI/CLI.hpp>

namespace prescale::cli {

void AddServeFlags(CLI::App& cmd, ServeOptions& o) {
  cmd.option_defaults()->always_capture_default();
  cmd.add_option("--config", o.config_file, "Policy file (YAML); reloaded when it changes")
      ->required();
  cmd.add_option("--prometheus-url", o.prometheus_url,
                 "Prometheus-compatible query API base URL (overrides prometheus.url)");
  cmd.add_option("--prometheus-token-file", o.prometheus_token_file,
                 "File holding a bearer token for Prometheus (re-read on change)");
  cmd.add_option("--prometheus-basic-auth-file", o.prometheus_basic_auth_file,
                 "File holding user:password for HTTP basic auth to Prometheus (re-read on "
                 "change; not with --prometheus-token-file)");
  cmd.add_option("--prometheus-header", o.prometheus_headers,
                 "NAME=VALUE header sent with every Prometheus query, repeatable (e.g. "
                 "X-Scope-OrgID=tenant-1); values are never logged");
  cmd.add_option("--prometheus-ca-file", o.prometheus_ca_file,
                 "CA bundle to verify Prometheus' HTTPS certificate");
  cmd.add_option("--prometheus-client-cert-file", o.prometheus_client_cert_file,
                 "Client certificate (PEM) presented to an https:// Prometheus (mTLS; reloaded on "
                 "change)");
  cmd.add_option("--prometheus-client-key-file", o.prometheus_client_key_file,
                 "Private key (PEM) of --prometheus-client-cert-file");
  cmd.add_option("--prometheus-timeout", o.prometheus_timeout,
                 "Timeout of one Prometheus query (overrides prometheus.timeout; at most 24h)");
  cmd.add_option("--prometheus-max-answer-bytes", o.prometheus_max_answer_bytes,
                 "Largest Prometheus answer read, e.g. 64Mi (larger: error reason too_large)")
      ->transform(CLI::AsSizeValue(/*kb_is_1000=*/true))
      ->check(CLI::Range(uint64_t{1} << 10, uint64_t{1} << 40));
  cmd.add_option("--max-history-bytes", o.max_history_bytes,
                 "Memory for the series history of all policies, e.g. 512Mi (beyond it new series "
                 "are dropped and counted)")
      ->transform(CLI::AsSizeValue(/*kb_is_1000=*/true))
      ->check(CLI::Range(uint64_t{1} << 20, uint64_t{1} << 40));

  cmd.add_option("--secure-port", o.secure_port, "HTTPS port")->check(CLI::Range(0, 65535));
  cmd.add_option("--bind-address", o.bind_address, "Address to listen on");
  cmd.add_option("--tls-cert-file", o.tls_cert_file, "Serving certificate (PEM, with chain)");
  cmd.add_option("--tls-private-key-file", o.tls_private_key_file, "Serving private key (PEM)");
  cmd.add_option("--cert-dir", o.cert_dir,
                 "Where a self-signed serving certificate is generated when no files are given");

  cmd.add_option("--client-ca-file", o.client_ca_file,
                 "CA of ordinary client certificates (CN = user, O = groups)");
  cmd.add_option("--requestheader-client-ca-file", o.requestheader_client_ca_file,
                 "CA of the front proxy (kube-apiserver) whose X-Remote-* headers are trusted");
  cmd.add_option("--requestheader-allowed-names", o.requestheader_allowed_names,
                 "Common names allowed for front-proxy certificates (empty: any)")
      ->delimiter(',');
  cmd.add_option("--requestheader-username-headers", o.requestheader_username_headers,
                 "Headers holding the user name")
      ->delimiter(',');
  cmd.add_option("--requestheader-uid-headers", o.requestheader_uid_headers,
                 "Headers holding the user's UID (e.g. X-Remote-Uid; default none)")
      ->delimiter(',');
  cmd.add_option("--requestheader-group-headers", o.requestheader_group_headers,
                 "Headers holding the groups")
      ->delimiter(',');
  cmd.add_option("--requestheader-extra-headers-prefix", o.requestheader_extra_headers_prefix,
                 "Header prefixes of extra user attributes")
      ->delimiter(',');
  cmd.add_option("--authentication-kubeconfig", o.authentication_kubeconfig,
                 "kubeconfig for TokenReview (empty: in-cluster service account)");
  cmd.add_option("--authorization-kubeconfig", o.authorization_kubeconfig,
                 "kubeconfig for SubjectAccessReview (empty: in-cluster service account)");
  cmd.add_flag("--authentication-skip-lookup", o.authentication_skip_lookup,
               "Do not read kube-system/extension-apiserver-authentication for missing CA flags");
  cmd.add_flag("--authentication-tolerate-lookup-failure", o.authentication_tolerate_lookup_failure,
               "Start even if that lookup fails");
  cmd.add_option("--anonymous-auth", o.anonymous_auth,
                 "Requests without credentials run as system:anonymous (then need authorization)");
  cmd.add_option("--authentication-token-webhook-cache-ttl",
                 o.authentication_token_webhook_cache_ttl,
                 "How long TokenReview answers are cached");
  cmd.add_option("--authorization-webhook-cache-authorized-ttl",
                 o.authorization_webhook_cache_authorized_ttl, "How long allow answers are cached");
  cmd.add_option("--authorization-webhook-cache-unauthorized-ttl",
                 o.authorization_webhook_cache_unauthorized_ttl,
                 "How long deny answers are cached");
  cmd.add_option("--authorization-cache-stale-grace", o.authorization_cache_stale_grace,
                 "How long an expired allow is still served while one background review asks "
                 "again (0s: wait for the review)");
  cmd.add_option("--authorization-always-allow-paths", o.authorization_always_allow_paths,
                 "Paths served to anyone authenticated or anonymous (trailing * matches a prefix)")
      ->delimiter(',');
  cmd.add_option("--authorization-mode", o.authorization_mode,
                 "Delegated (SubjectAccessReview) or AlwaysAllow (local development only)")
      ->check(CLI::IsMember({"Delegated", "AlwaysAllow"}));

  cmd.add_option("--log-level", o.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd.add_option("-v,--v", o.verbosity,
                 "klog verbosity, for flags copied from Kubernetes components: 4 or more is "
                 "--log-level=debug, less is info (overrides --log-level)")
      ->check(CLI::Range(0, 10));
  cmd.add_option("--logging-format", o.logging_format,
                 "json (default: one JSON object per line) or text (klog's format)")
      ->check(CLI::IsMember({"json", "text"}));
  cmd.add_option("--tls-min-version", o.tls_min_version,
                 "Minimum TLS version: VersionTLS12 (default) or VersionTLS13");
  cmd.add_option("--tls-cipher-suites", o.tls_cipher_suites,
                 "Comma-separated TLS cipher suites (IANA names, as Kubernetes takes them); "
                 "default: ECDHE with AES-GCM or ChaCha20-Poly1305, and TLS 1.3's")
      ->delimiter(',');
  cmd.add_flag("--permit-address-sharing", o.permit_address_sharing,
               "Accepted as Kubernetes components take it; SO_REUSEADDR is always set, as Go's "
               "listeners set it");
  cmd.add_flag("--permit-port-sharing", o.permit_port_sharing,
               "SO_REUSEPORT: other processes may listen on the same port");
  cmd.add_option("--kubeconfig", o.kubeconfig,
                 "kubeconfig for both --authentication-kubeconfig and "
                 "--authorization-kubeconfig when those are not given");
  cmd.add_option("--audit-log", o.audit_log,
                 "Decision log: one JSON line per change of a served forecast, rotated by size "
                 "(not Kubernetes request auditing)");
  cmd.add_option("--audit-log-maxsize", o.audit_log_maxsize_mb,
                 "Megabytes of the audit log before it rotates (default 100)")
      ->check(CLI::Range(1, 100000));
  cmd.add_option("--audit-log-maxbackup", o.audit_log_maxbackup,
                 "Rotated audit log files kept (default 5)")
      ->check(CLI::Range(1, 1000));
  cmd.add_option("--io-threads", o.io_threads, "HTTPS I/O threads (0: one per core)")
      ->check(CLI::Range(0, 256));
  cmd.add_option("--read-header-timeout", o.read_header_timeout,
                 "Time a client has from a request's first byte to its last header line; "
                 "slower connections are closed (default 30s)");
  cmd.add_option("--max-connections", o.max_connections,
                 "HTTPS connections served at once; more are closed at accept (default 4096)")
      ->check(CLI::Range(1, 1000000));
  cmd.add_option("--delegation-threads", o.delegation_threads,
                 "Threads that wait on TokenReview/SubjectAccessReview calls (default 4)")
      ->check(CLI::Range(1, 256));
  cmd.add_option("--max-pending-reviews", o.max_pending_reviews,
                 "Requests that may wait for a review; more get 429 (default 256)")
      ->check(CLI::Range(1, 100000));
  cmd.add_flag("--demo-data", o.demo_data,
               "Serve synthetic demo data instead of Prometheus (local demos only)");
  cmd.add_option("--demo-series", o.demo_series, "Series per policy with --demo-data")
      ->check(CLI::Range(1, 100000));
  adapter::keda::AddKedaFlags(cmd, o.keda);
}

}  // namespace prescale::cli
