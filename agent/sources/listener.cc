#include "agent/sources/listener.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "common/http/basic_auth.h"
#include "common/http/http_server.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

// A certificate's subject as RFC 2253 text ("CN=PE1CLNT100,O=ACME"), the
// form tls.client_subjects is written in.
std::string SubjectOf(X509* cert) {
  std::string out;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || cert == nullptr) {
    BIO_free(bio);
    return out;
  }
  if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}

}  // namespace

void ReadListenerConfig(config::ConfigNode& node, ListenerConfig& c) {
  if (auto address = node.ListenAddress("listen", c.host + ":" + std::to_string(c.port))) {
    c.host = address->host;
    c.port = address->port;
  }
  c.path = node.String("path", c.path);
  if (c.path.empty() || c.path.front() != '/') node.Error("path", "must start with '/', got '" + c.path + "'");
  c.max_body_bytes = node.Bytes("max_body", c.max_body_bytes);
  if (c.max_body_bytes < 1024) node.Error("max_body", "must be at least 1KiB");
  c.retry_after = std::chrono::duration_cast<std::chrono::seconds>(
      node.Duration("retry_after", std::chrono::duration_cast<std::chrono::milliseconds>(c.retry_after)));
  if (c.retry_after.count() < 1) node.Error("retry_after", "must be at least 1s");
  auto tls = node.Section("tls");
  c.tls_cert_file = tls.String("cert_file", "");
  c.tls_key_file = tls.String("key_file", "");
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    tls.Error("key_file", "cert_file and key_file must be given together");
  }
  c.tls_client_ca_file = tls.String("client_ca_file", "");
  c.tls_client_subjects = tls.StringList("client_subjects");
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    tls.Error("client_ca_file", "needs cert_file and key_file: client certificates come with HTTPS");
  }
  if (!c.tls_client_subjects.empty() && c.tls_client_ca_file.empty()) {
    tls.Error("client_subjects", "needs client_ca_file");
  }
  for (const auto& [key, file] : {std::pair{"cert_file", c.tls_cert_file}, std::pair{"key_file", c.tls_key_file},
                                  std::pair{"client_ca_file", c.tls_client_ca_file}}) {
    if (!file.empty() && !std::filesystem::exists(file)) tls.Error(key, "file '" + file + "' does not exist");
  }
  if (node.Has("basic_auth")) {
    auto auth = node.Section("basic_auth");
    c.basic_user = auth.RequiredString("user");
    c.basic_password = auth.SecretFile("password_file");
    if (!auth.Has("password_file")) auth.Error("password_file", "is required with basic_auth");
  } else {
    node.Section("basic_auth");
  }
}

Result<std::shared_ptr<boost::asio::ssl::context>> ListenerTls(const ListenerConfig& c, std::string_view source) {
  if (c.tls_cert_file.empty()) return std::shared_ptr<boost::asio::ssl::context>();
  auto made = http::MakeServerTlsContext(c.tls_cert_file, c.tls_key_file);
  if (!made.ok()) return made.status();
  std::shared_ptr<boost::asio::ssl::context> tls = std::move(made).value();
  if (c.tls_client_ca_file.empty()) return tls;
  boost::system::error_code ec;
  tls->load_verify_file(c.tls_client_ca_file, ec);
  if (ec) return Status::InvalidArgument("cannot load client CA " + c.tls_client_ca_file + ": " + ec.message());
  tls->set_verify_mode(boost::asio::ssl::verify_peer | boost::asio::ssl::verify_fail_if_no_peer_cert);
  tls->set_verify_callback([subjects = c.tls_client_subjects, source = std::string(source)](
                               bool preverified, boost::asio::ssl::verify_context& ctx) {
    X509_STORE_CTX* store = ctx.native_handle();
    if (!preverified || X509_STORE_CTX_get_error_depth(store) != 0 || subjects.empty()) return preverified;
    const std::string subject = SubjectOf(X509_STORE_CTX_get_current_cert(store));
    if (std::find(subjects.begin(), subjects.end(), subject) != subjects.end()) return true;
    spdlog::warn("event={}_client_refused source={} subject=\"{}\"", source, source, EscapeForLog(subject));
    return false;
  });
  return tls;
}

std::string ExpectedAuthorization(const ListenerConfig& c) {
  return c.basic_user.empty() ? "" : http::BasicAuthorization(c.basic_user, c.basic_password);
}

bool AuthorizationMatches(std::string_view expected, std::string_view given) {
  if (expected.empty()) return true;
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

}  // namespace ferry::agent
