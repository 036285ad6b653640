// The kube-apiserver of the soak and fault benches (bench/soak/run): the integration tests' fake
// of the TokenReview/SubjectAccessReview endpoints (tests/support/fake_kube_apiserver.h) in a
// process of its own, plus the PKI that tests/integration/serve_fixture.h makes for prescale.
//
//   soak_fake_apiserver --pki-dir DIR [--allow USER]... [--allow-prefix PREFIX]...
//                       [--token TOKEN=USER]... [--token-range PREFIX:COUNT]
//
// Writes into DIR (which must exist): server-ca.crt, serving.crt/.key (127.0.0.1, localhost),
// client-ca.crt with alice.crt/.key (CN alice, O traders) and admin.crt/.key (CN soak-admin,
// O system:masters), front-proxy-ca.crt with front-proxy.crt/.key (CN front-proxy-client), and
// DIR/env: shell assignments of those paths, KUBECONFIG_FILE (a kubeconfig for prescale's
// --authentication-kubeconfig/--authorization-kubeconfig, with a client certificate) and
// FAKE_PORT. Then it prints "ready" and serves until stdin ends or says "quit".
//
// SubjectAccessReview allows the users named by --allow and those starting with an
// --allow-prefix, and denies everyone else. TokenReview authenticates the --token pairs and, with
// --token-range P:N, the tokens P0..P(N-1) as users P0..P(N-1); other tokens are rejected.
//
// Commands, one per line on stdin, each answered by one line on stdout:
//   delay MS   every answer is held back MS milliseconds (asynchronously, as a slow apiserver)
//   down       the port refuses connections, open ones are dropped
//   up         listening again on the same port
//   stats      {"tokenreview":N,"subjectaccessreview":N,"allowed":N,"denied":N,"other":N}, counts
//              since the start
//   quit
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fake_kube_apiserver.h"
#include "tests/support/test_pki.h"

namespace {

using prescale::testsupport::FakeEndpoint;
using prescale::testsupport::FakeKubeApiserver;
using prescale::testsupport::IssuedCert;
using prescale::testsupport::RecordedRequest;
using prescale::testsupport::TestCa;
using prescale::testsupport::UserInfo;

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "soak_fake_apiserver: %s\n(see bench/soak/soak_fake_apiserver.cc)\n",
               why.c_str());
  std::exit(2);
}

struct Counts {
  std::mutex mu;
  long token_reviews = 0, access_reviews = 0, other = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string pki_dir;
  std::vector<std::string> allow, allow_prefix;
  std::vector<std::pair<std::string, std::string>> tokens;
  std::string range_prefix;
  long range_count = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--pki-dir") {
      pki_dir = value();
    } else if (a == "--allow") {
      allow.push_back(value());
    } else if (a == "--allow-prefix") {
      allow_prefix.push_back(value());
    } else if (a == "--token") {
      const std::string t = value();
      const size_t eq = t.find('=');
      if (eq == std::string::npos) Usage("--token wants TOKEN=USER");
      tokens.emplace_back(t.substr(0, eq), t.substr(eq + 1));
    } else if (a == "--token-range") {
      const std::string t = value();
      const size_t colon = t.rfind(':');
      if (colon == std::string::npos) Usage("--token-range wants PREFIX:COUNT");
      range_prefix = t.substr(0, colon);
      range_count = std::stol(t.substr(colon + 1));
    } else {
      Usage("unknown argument " + a);
    }
  }
  if (pki_dir.empty()) Usage("--pki-dir is required");

  // The PKI of tests/integration/serve_fixture.h.
  TestCa server_ca(pki_dir, "server");
  TestCa client_ca(pki_dir, "client");
  TestCa front_ca(pki_dir, "front-proxy");
  const IssuedCert serving = server_ca.IssueServer("serving");
  const IssuedCert alice = client_ca.IssueClient("alice", "alice", {"traders"});
  const IssuedCert admin = client_ca.IssueClient("admin", "soak-admin", {"system:masters"});
  const IssuedCert front_proxy = front_ca.IssueClient("front-proxy", "front-proxy-client");

  FakeKubeApiserver fake;
  std::atomic<long> allowed{0}, denied{0};
  fake.SetAuthorizer([&](const nlohmann::json& spec) {
    const std::string user = spec.value("user", "");
    bool ok = std::find(allow.begin(), allow.end(), user) != allow.end();
    for (const std::string& p : allow_prefix) ok = ok || user.rfind(p, 0) == 0;
    (ok ? allowed : denied).fetch_add(1);
    return ok;
  });
  for (const auto& [token, user] : tokens) fake.SetToken(token, UserInfo{user, "", {"soak"}, {}});
  for (long i = 0; i < range_count; ++i) {
    const std::string t = range_prefix + std::to_string(i);
    fake.SetToken(t, UserInfo{t, "", {"soak"}, {}});
  }

  {
    std::ofstream env(pki_dir + "/env");
    env << "SERVER_CA=" << server_ca.cert_file().string() << "\n"
        << "SERVING_CERT=" << serving.cert_file.string() << "\n"
        << "SERVING_KEY=" << serving.key_file.string() << "\n"
        << "CLIENT_CA=" << client_ca.cert_file().string() << "\n"
        << "ALICE_CERT=" << alice.cert_file.string() << "\n"
        << "ALICE_KEY=" << alice.key_file.string() << "\n"
        << "ADMIN_CERT=" << admin.cert_file.string() << "\n"
        << "ADMIN_KEY=" << admin.key_file.string() << "\n"
        << "FRONT_PROXY_CA=" << front_ca.cert_file().string() << "\n"
        << "FRONT_PROXY_CERT=" << front_proxy.cert_file.string() << "\n"
        << "FRONT_PROXY_KEY=" << front_proxy.key_file.string() << "\n"
        << "KUBECONFIG_FILE=" << fake.kubeconfig_client_cert().string() << "\n"
        << "FAKE_PORT=" << fake.port() << "\n";
  }

  // The fake records every request; tally and forget them so a long run stays small.
  Counts counts;
  std::atomic<bool> done{false};
  std::thread tally([&] {
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const std::vector<RecordedRequest> seen = fake.Requests();
      fake.ClearRequests();
      std::lock_guard lock(counts.mu);
      for (const RecordedRequest& r : seen) {
        if (r.endpoint == FakeEndpoint::kTokenReview) {
          ++counts.token_reviews;
        } else if (r.endpoint == FakeEndpoint::kSubjectAccessReview) {
          ++counts.access_reviews;
        } else {
          ++counts.other;
        }
      }
    }
  });

  std::cout << "ready" << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
    if (line.rfind("delay ", 0) == 0) {
      fake.SetDelay(std::chrono::milliseconds(std::stol(line.substr(6))));
      std::cout << "ok " << line << std::endl;
    } else if (line == "down" || line == "up") {
      fake.SetDown(line == "down");
      std::cout << "ok " << line << std::endl;
    } else if (line == "stats") {
      std::lock_guard lock(counts.mu);
      std::cout << "{\"tokenreview\":" << counts.token_reviews
                << ",\"subjectaccessreview\":" << counts.access_reviews
                << ",\"allowed\":" << allowed.load() << ",\"denied\":" << denied.load()
                << ",\"other\":" << counts.other << "}" << std::endl;
    } else if (line == "quit") {
      break;
    } else if (!line.empty()) {
      std::cout << "unknown command: " << line << std::endl;
    }
  }
  done.store(true);
  tally.join();
  return 0;
}
