// The fixture of the gRPC server tests: a GrpcServer on 127.0.0.1 with a throwaway PKI, driven
// by the real C++ gRPC client over TLS, with snapshots published by the test and prescale's own
// metrics readable as text.
#pragma once

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "adapter/keda/grpc_server.h"
#include "tests/support/keda_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace prescale::adapter::keda {

using externalscaler::ExternalScaler;
using testsupport::ContextWithDeadline;
using testsupport::Ref;

inline const std::map<std::string, std::string> kTrigger = {
    {"metric", "order_flow_rate_forecast"},
    {"labelSelector", "venue in (xnas,xnys)"},
    {"targetSize", "2000"},
    {"activationThreshold", "10"}};

class KedaServerTest : public ::testing::Test {
 protected:
  KedaServerTest()
      : dir_("prescale-keda"),
        server_ca_(dir_.path(), "server"),
        client_ca_(dir_.path(), "client"),
        foreign_ca_(dir_.path(), "foreign"),
        serving_(server_ca_.IssueServer("serving")),
        keda_(client_ca_.IssueClient("keda", "keda-operator")),
        foreign_(foreign_ca_.IssueClient("mallory", "keda-operator")) {}

  void StartServer(std::string client_ca_file = "", std::vector<std::string> allowed_names = {},
                   GrpcServerOptions options = {}) {
    options.allowed_names = std::move(allowed_names);
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.cert_file = serving_.cert_file.string();
    options.key_file = serving_.key_file.string();
    options.client_ca_file = std::move(client_ca_file);
    server_ = std::make_unique<GrpcServer>(options, holder_, &registry_);
    server_->Start();
    ASSERT_GT(server_->port(), 0);
  }

  testsupport::GrpcClientTls Tls(const testsupport::IssuedCert* cert = nullptr) const {
    testsupport::GrpcClientTls tls{server_ca_.cert_file().string(), "", ""};
    if (cert) {
      tls.cert_file = cert->cert_file.string();
      tls.key_file = cert->key_file.string();
    }
    return tls;
  }
  std::unique_ptr<ExternalScaler::Stub> Scaler(const testsupport::IssuedCert* cert = nullptr) {
    return ExternalScaler::NewStub(testsupport::MakeTlsChannel(server_->port(), Tls(cert)));
  }

  // order_flow_rate_forecast with venues xnas, xnys, arcx worth `xnas`, `xnys` and 1000.
  void Publish(double xnas, double xnys, bool complete = true,
               ServedMetric::State state = ServedMetric::State::kOk) {
    const auto t = std::chrono::system_clock::now();
    ServedMetric m{"order_flow_rate_forecast", "order_flow_rate", state, "data is 700s old", {}};
    m.values.push_back({m.name, {{"venue", "xnas"}}, t, 15, xnas, ""});
    m.values.push_back({m.name, {{"venue", "xnys"}}, t, 15, xnys, ""});
    m.values.push_back({m.name, {{"venue", "arcx"}}, t, 15, 1000, ""});
    holder_.Publish(std::make_shared<const Snapshot>(t, std::vector<ServedMetric>{m}, complete));
  }
  void PublishWithout() {  // a snapshot in which the metric no longer exists
    holder_.Publish(std::make_shared<const Snapshot>(std::chrono::system_clock::now(),
                                                     std::vector<ServedMetric>{}, true));
  }

  grpc::Status GetMetrics(ExternalScaler::Stub& stub, const std::map<std::string, std::string>& m,
                          externalscaler::GetMetricsResponse* response) {
    externalscaler::GetMetricsRequest request;
    *request.mutable_scaledobjectref() = Ref(m);
    request.set_metricname("order_flow_rate_forecast");
    return stub.GetMetrics(ContextWithDeadline().get(), request, response);
  }

  std::string MetricsText() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_.Collect());
    return out.str();
  }

  testsupport::TempDir dir_;
  testsupport::TestCa server_ca_, client_ca_, foreign_ca_;
  testsupport::IssuedCert serving_, keda_, foreign_;
  SnapshotHolder holder_;
  prometheus::Registry registry_;
  std::unique_ptr<GrpcServer> server_;
};

}  // namespace prescale::adapter::keda
