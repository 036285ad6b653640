// A real gRPC client of prescale's KEDA external scaler and of the gRPC health service, over TLS,
// for tests: channels, trigger metadata, and reading a stream with a deadline.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "adapter/keda/externalscaler.grpc.pb.h"
#include "tests/support/grpc_health.grpc.pb.h"

namespace prescale::testsupport {

inline std::string ReadWholeFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// TLS settings of a client: the CA (PEM file) that verifies the server's certificate, checked
// against the name "localhost", and optionally a client certificate and key (PEM files).
struct GrpcClientTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

// A new channel (its own connection: no subchannel sharing with other channels) to
// 127.0.0.1:`port`.
inline std::shared_ptr<grpc::Channel> MakeTlsChannel(int port, const GrpcClientTls& tls) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadWholeFile(tls.ca_file);
  if (!tls.cert_file.empty()) {
    options.pem_cert_chain = ReadWholeFile(tls.cert_file);
    options.pem_private_key = ReadWholeFile(tls.key_file);
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("ipv4:127.0.0.1:" + std::to_string(port),
                                   grpc::SslCredentials(options), args);
}

// A ScaledObjectRef as KEDA sends it: name, namespace, and the trigger's metadata (with KEDA's
// own keys, which the scaler must ignore).
inline externalscaler::ScaledObjectRef Ref(const std::map<std::string, std::string>& metadata) {
  externalscaler::ScaledObjectRef ref;
  ref.set_name("orders");
  ref.set_namespace_("trading");
  (*ref.mutable_scalermetadata())["scalerAddress"] = "prescale.monitoring:9443";
  (*ref.mutable_scalermetadata())["enableTLS"] = "true";
  for (const auto& [k, v] : metadata) (*ref.mutable_scalermetadata())[k] = v;
  return ref;
}

inline std::unique_ptr<grpc::ClientContext> ContextWithDeadline(
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

}  // namespace prescale::testsupport
