#include "agent/cli/enroll_command.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <unistd.h>

#include <iostream>
#include <optional>

#include "agent/identity/enrollment_files.h"
#include "common/app/run_as_owner.h"
#include "common/config/config_node.h"
#include "common/crypto/x509.h"
#include "common/fleet/enrollment_token.h"
#include "common/http/http_client.h"
#include "common/util/clock.h"
#include "common/util/files.h"

namespace ferry::agent {
namespace {

namespace bhttp = boost::beast::http;

int Fail(int code, const std::string& message) {
  std::cerr << "ferry-agent enroll: " << message << "\n";
  return code;
}

// One request, waited for.
Result<http::ClientResponse> Exchange(const http::Url& url, http::HttpClientOptions options,
                                      http::HttpClient::OutRequest req) {
  boost::asio::io_context io;
  http::HttpClient client(io.get_executor(), std::move(options));
  std::optional<Result<http::ClientResponse>> result;
  auto exchange = [&](http::HttpClient::OutRequest r) -> boost::asio::awaitable<void> {
    result.emplace(co_await client.Send(url, std::move(r)));
  };
  boost::asio::co_spawn(io, exchange(std::move(req)), [&](std::exception_ptr e) {
    if (e && !result) result.emplace(Status::Internal("the request failed unexpectedly"));
  });
  io.run();
  if (!result) return Status::Internal("no answer");
  return std::move(*result);
}

http::HttpClientOptions ClientOptions() {
  http::HttpClientOptions o;
  o.connect_timeout = std::chrono::seconds(10);
  o.request_timeout = std::chrono::seconds(30);
  o.user_agent = "ferry-agent-enroll";
  return o;
}

std::string ErrorOf(const http::ClientResponse& res) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(res.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error"); e != nullptr && e->is_string()) {
      return std::string(e->as_string());
    }
  }
  return "HTTP " + std::to_string(res.status);
}

// The string member `key`, or empty.
std::string StringMember(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The data folder and the agent id the configuration names, if any; only
// these keys are read, so a configuration that still lacks what enrollment
// brings (broker, keys) is fine.
struct AgentSettings {
  std::filesystem::path data_dir;
  std::string agent_id;
};

Result<AgentSettings> ReadAgentSettings(const std::string& config_path) {
  auto loaded = config::ConfigFile::Load(config_path);
  if (!loaded.ok()) return loaded.status();
  auto agent = loaded->Root().Section("agent");
  AgentSettings s;
  s.data_dir = agent.String("data_dir", "");
  s.agent_id = agent.String("id", "");
  if (s.data_dir.empty()) return Status::InvalidArgument(config_path + ": agent.data_dir is required");
  return s;
}

// The token from --token, or from the file --token-file names ("-":
// standard input), where no other user can see it in the process list.
Result<std::string> TokenText(const EnrollOptions& options) {
  if (options.token_file.empty()) {
    if (options.token.empty()) return Status::InvalidArgument("give the token with --token or --token-file");
    return options.token;
  }
  constexpr size_t kMaxTokenFile = 4096;
  if (options.token_file == "-") {
    std::string text(kMaxTokenFile + 1, '\0');
    std::cin.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(std::cin.gcount()));
    if (text.size() > kMaxTokenFile)
      return Status::InvalidArgument("--token-file -: more than 4 KiB on standard input");
    return text;
  }
  auto text = ReadSmallFile(options.token_file, kMaxTokenFile);
  if (!text.ok()) return Status::InvalidArgument("--token-file: " + text.status().message());
  return *text;
}

}  // namespace

int Enroll(const EnrollOptions& options) {
  auto text = TokenText(options);
  if (!text.ok()) return Fail(kEnrollExitInput, text.status().message());
  const size_t first = text->find_first_not_of(" \t\r\n");
  const size_t last = text->find_last_not_of(" \t\r\n");
  auto token = fleet::EnrollmentToken::Parse(first == std::string::npos ? "" : text->substr(first, last - first + 1));
  if (!token.ok()) {
    return Fail(kEnrollExitInput,
                (options.token_file.empty() ? "--token: " : "--token-file: ") + token.status().message());
  }
  auto base = http::ParseUrl(options.url);
  if (!base.ok() || !base->tls) {
    return Fail(kEnrollExitInput, "--url must be https://host:port of the control plane's enrollment listener");
  }
  auto settings = ReadAgentSettings(options.config_path);
  if (!settings.ok()) return Fail(kEnrollExitInput, settings.status().message());
  if (!settings->agent_id.empty() && settings->agent_id != token->agent_id) {
    return Fail(kEnrollExitInput, "the token is for agent " + token->agent_id + " but " + options.config_path +
                                      " names agent " + settings->agent_id);
  }
  // As root, the identity must belong to the service user, who owns the
  // data folder: a folder that is not there yet would make it root's.
  std::error_code exists;
  if (::geteuid() == 0 && !std::filesystem::exists(settings->data_dir, exists)) {
    return Fail(kEnrollExitInput, settings->data_dir.string() +
                                      " does not exist: install the package (it makes the folder for the service "
                                      "user) or create it owned by the user the agent runs as");
  }
  if (Status s = app::BecomeOwnerOf(settings->data_dir); !s.ok()) return Fail(kEnrollExitFailure, s.message());
  std::error_code made;
  std::filesystem::create_directories(settings->data_dir, made);  // the agent would at its first start
  if (made) return Fail(kEnrollExitFailure, "cannot create " + settings->data_dir.string() + ": " + made.message());

  // 1. The CA, checked against the token before anything is sent.
  http::Url ca_url = *base;
  ca_url.target = "/v1/enroll/ca";
  http::HttpClientOptions unverified = ClientOptions();
  unverified.verify_peer = false;  // checked by fingerprint below, before any use
  http::HttpClient::OutRequest get{bhttp::verb::get, ca_url.target, 11};
  auto ca_answer = Exchange(ca_url, unverified, std::move(get));
  if (!ca_answer.ok()) {
    return Fail(kEnrollExitUnreachable, "cannot reach " + options.url + ": " + ca_answer.status().message());
  }
  if (ca_answer->status == 429) return Fail(kEnrollExitUnreachable, "too many enrollment attempts; retry in a minute");
  if (ca_answer->status != 200) {
    return Fail(kEnrollExitWrongServer,
                options.url + " is not a Ferry enrollment listener (" + ErrorOf(*ca_answer) + ")");
  }
  auto chain = crypto::Certificate::ChainFromPem(ca_answer->body);
  if (!chain.ok()) return Fail(kEnrollExitWrongServer, "the CA it sent is not usable: " + chain.status().message());
  const std::string fingerprint = chain->back().Sha256Fingerprint();
  if (!fleet::ConstantTimeEquals(fingerprint, token->ca_fingerprint)) {
    return Fail(kEnrollExitWrongServer, options.url + " is not the control plane that made this token: its CA is " +
                                            fingerprint + ", the token expects " + token->ca_fingerprint);
  }
  // Only the root the token names is trusted from here on: the rest of
  // the answer came over a connection nobody verified, and a certificate
  // slipped in before the root would otherwise be trusted as well.
  const std::string root_pem = chain->back().ToPem();
  const EnrollmentPaths paths = EnrollmentPathsIn(settings->data_dir);
  const std::filesystem::path pinned = settings->data_dir / ".enroll-ca.crt";
  if (Status s = WriteFileAtomically(pinned, root_pem, 0600); !s.ok()) {
    return Fail(kEnrollExitFailure, s.message());
  }

  // 2. Key and request; the request goes over TLS verified against that CA.
  auto key = crypto::PrivateKey::Generate();
  auto csr = key.ok() ? crypto::CertificateRequest::MakePem(*key, token->agent_id) : Result<std::string>(key.status());
  if (!csr.ok()) return Fail(kEnrollExitFailure, csr.status().message());
  http::Url enroll_url = *base;
  enroll_url.target = "/v1/enroll";
  http::HttpClientOptions verified = ClientOptions();
  verified.ca_file = pinned.string();
  http::HttpClient::OutRequest post{bhttp::verb::post, enroll_url.target, 11};
  post.set(bhttp::field::content_type, "application/json");
  post.body() = boost::json::serialize(boost::json::object{{"token", token->Format()}, {"csr", *csr}});
  auto answer = Exchange(enroll_url, verified, std::move(post));
  std::filesystem::remove(pinned);
  if (!answer.ok()) {
    return Fail(kEnrollExitUnreachable, "cannot enroll at " + options.url + ": " + answer.status().message());
  }
  switch (answer->status) {
    case 200:
      break;
    case 409:
      return Fail(kEnrollExitTokenUsed, ErrorOf(*answer));
    case 410:
      return Fail(kEnrollExitTokenExpired, ErrorOf(*answer));
    case 401:
    case 403:
      return Fail(kEnrollExitTokenInvalid, ErrorOf(*answer));
    case 429:
      return Fail(kEnrollExitUnreachable, "too many enrollment attempts; retry in a minute");
    default:
      return Fail(kEnrollExitFailure, "the control plane refused: " + ErrorOf(*answer));
  }

  // 3. What came back must be ours before it is kept.
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(answer->body, ec);
  if (ec || !body.is_object()) return Fail(kEnrollExitFailure, "the answer is not a JSON object");
  const boost::json::object& o = body.as_object();
  auto cert = crypto::Certificate::FromPem(StringMember(o, "certificate"));
  if (!cert.ok()) return Fail(kEnrollExitFailure, "the answer holds no certificate");
  if (!cert->Matches(*key) || cert->CommonName() != token->agent_id) {
    return Fail(kEnrollExitFailure, "the certificate received is not for this agent's key and id");
  }
  if (Status s = crypto::VerifyChain(*cert, *chain, chain->back()); !s.ok()) {
    return Fail(kEnrollExitFailure, "the certificate received is not from the control plane's CA: " + s.message());
  }
  Enrollment enrollment = EnrollmentFromJson(o);
  enrollment.agent_id = token->agent_id;
  const std::string bundle_key = StringMember(o, "bundle_public_key");
  if (Status s = WriteEnrollment(settings->data_dir, enrollment, key->ToPem() + cert->ToPem(), root_pem, bundle_key);
      !s.ok()) {
    return Fail(kEnrollExitFailure, s.message());
  }
  std::cout << "enrolled as agent " << enrollment.agent_id << "\n"
            << "  certificate serial " << cert->SerialHex() << ", valid until "
            << FormatIsoTimeMs(cert->NotAfterUnix() * 1000)
            << "; the agent renews it itself at two thirds of its life\n"
            << "  key and certificate: " << paths.identity.string() << " (mode 0600; the key never left this host)\n"
            << "  control plane CA:    " << paths.ca.string() << "\n"
            << "  bundle signing key:  " << (bundle_key.empty() ? "none given" : paths.bundle_key.string()) << "\n"
            << "  broker:              "
            << (enrollment.broker_urls.empty() ? "none given: set uplink.broker" : enrollment.broker_urls.front())
            << "\n"
            << "start or restart the agent (systemctl restart ferry-agent) to connect with it\n";
  return kEnrollExitOk;
}

}  // namespace ferry::agent
