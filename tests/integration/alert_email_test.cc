// The e-mail alert channel against a real SMTP server (Debian's aiosmtpd,
// keeping what it receives in a maildir): a notification arrives through
// STARTTLS with a verified certificate; an untrusted certificate, a server
// without STARTTLS or no server at all means nothing is sent, and the last
// is retryable; text from a summary can neither add a header nor end the
// message early.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/util/clock.h"
#include "controlplane/alerts/email_channel.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ferry::controlplane {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ferry::testing::FreeTcpPort;
using ferry::testing::Process;
using ferry::testing::ReadFile;
using ferry::testing::TempDir;
using ferry::testing::WaitUntil;

struct Certificates {
  fs::path ca;
  fs::path cert;
  fs::path key;
};

// A CA of the test's own and a server certificate it signs for 127.0.0.1
// (in subjectAltName: curl checks the address there).
Certificates MakeCertificates(const fs::path& dir, const std::string& ca_name) {
  fs::create_directories(dir);
  const std::string cmd =
      "cd '" + dir.string() + "' && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + ca_name +
      "' -keyout " + ca_name + ".key -out " + ca_name +
      ".pem 2>/dev/null && "
      "openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout server.key -out server.csr 2>/dev/null && "
      "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
      "openssl x509 -req -in server.csr -CA " +
      ca_name + ".pem -CAkey " + ca_name + ".key -CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("making certificates failed: " + cmd);
  return {dir / (ca_name + ".pem"), dir / "server.pem", dir / "server.key"};
}

// True once something on 127.0.0.1:port answers with an SMTP greeting.
bool Greets(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval wait{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  char code[3];
  const bool greets = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                      ::recv(fd, code, sizeof(code), MSG_WAITALL) == 3 && std::string(code, 3) == "220";
  ::close(fd);
  return greets;
}

// aiosmtpd on a free loopback port. With certificates it offers STARTTLS
// and, as aiosmtpd does by default then, takes no mail without it; without
// them it speaks plain SMTP only.
class SmtpServer {
 public:
  SmtpServer(const fs::path& dir, const std::optional<Certificates>& certs)
      : port_(FreeTcpPort()), maildir_(dir / "maildir"), log_(dir / "aiosmtpd.log") {
    // Debian's interpreter: the one that has the aiosmtpd package.
    std::vector<std::string> argv = {
        "/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_)};
    if (certs) argv.insert(argv.end(), {"--tlscert", certs->cert.string(), "--tlskey", certs->key.string()});
    argv.insert(argv.end(), {"-c", "aiosmtpd.handlers.Mailbox", maildir_.string()});
    process_ = Process::Start(argv, log_);
    if (!WaitUntil([&] { return !process_.Running() || Greets(port_); }, 15s) || !process_.Running()) {
      throw std::runtime_error("aiosmtpd did not start: " + ReadFile(log_));
    }
  }

  int port() const { return port_; }
  std::string Log() const { return ReadFile(log_); }

  // The messages delivered so far, oldest first.
  std::vector<std::string> Delivered() const {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(maildir_ / "new", ec)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());  // maildir names start with the time of arrival
    std::vector<std::string> mails;
    for (const auto& file : files) mails.push_back(ReadFile(file));
    return mails;
  }

 private:
  int port_;
  fs::path maildir_;
  fs::path log_;
  Process process_;
};

// A delivered message as the maildir holds it: headers (unfolded, names in
// lower case) and the body.
struct Mail {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  bool Has(const std::string& name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& header) { return header.first == name; });
  }
  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
};

Mail ParseMail(std::string text) {
  std::erase(text, '\r');
  Mail mail;
  const size_t end = text.find("\n\n");
  const std::string head = text.substr(0, end);
  mail.body = end == std::string::npos ? "" : text.substr(end + 2);
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find('\n', pos);
    if (eol == std::string::npos) eol = head.size();
    const std::string line = head.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !mail.headers.empty()) {
      mail.headers.back().second += line;
      continue;
    }
    const size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    mail.headers.emplace_back(std::move(name), std::move(value));
  }
  return mail;
}

AlertEmailOptions Options(int port, const fs::path& ca_file) {
  AlertEmailOptions options;
  options.url = "smtp://127.0.0.1:" + std::to_string(port);
  options.tls = SmtpTls::kStartTls;
  options.from = "ferry@example.com";
  options.to = {"ops@example.com", "oncall@example.com"};
  options.ca_file = ca_file.string();
  options.timeout = 10s;
  return options;
}

AlertMessage TwoAgentsOffline() {
  AlertMessage message;
  message.id = "0190f3a2-7c1e-7abc-9def-0123456789ab";
  message.rule = "agent_offline";
  message.kind = "agent_offline";
  message.change = AlertChange::kFiring;
  message.unix_ms = NowUnixMs();
  message.alerts = {{"agent_offline", "plant-01", "no heartbeat for 6 minutes"},
                    {"agent_offline", "plant-02", "no heartbeat since the power cut in Zürich"}};
  message.console_url = "https://cp.example.com:8444/alerts";
  return message;
}

// Send() as the alert service awaits it: from a coroutine on an event loop,
// here run on the test's thread, which must be where Send() resumes.
Status SendNow(const AlertEmailOptions& options, const AlertMessage& message) {
  boost::asio::io_context io;
  EmailChannel channel(io.get_executor(), options);
  std::optional<Status> result;
  std::thread::id resumed_on;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<Status> {
        Status sent = co_await channel.Send(message);
        resumed_on = std::this_thread::get_id();
        co_return sent;
      },
      [&](std::exception_ptr error, Status sent) {
        if (error) std::rethrow_exception(error);
        result = std::move(sent);
      });
  io.run();
  EXPECT_EQ(resumed_on, std::this_thread::get_id()) << "Send() must resume on the caller's executor";
  return result.value_or(Status::Internal("Send() never completed"));
}

TEST(AlertEmailTest, FiringNotificationArrivesOverStartTlsForEveryRecipient) {
  TempDir dir;
  const Certificates certs = MakeCertificates(dir.path() / "certs", "ferry-mail-ca");
  SmtpServer server(dir.path(), certs);
  const AlertMessage message = TwoAgentsOffline();

  const Status sent = SendNow(Options(server.port(), certs.ca), message);
  ASSERT_TRUE(sent.ok()) << sent.ToString() << "\n" << server.Log();
  ASSERT_TRUE(WaitUntil([&] { return !server.Delivered().empty(); }, 10s));
  const std::vector<std::string> mails = server.Delivered();
  ASSERT_EQ(mails.size(), 1u);
  const Mail mail = ParseMail(mails[0]);

  EXPECT_EQ(mail.Header("subject"), AlertMessageSubject(message));
  EXPECT_EQ(mail.Header("from"), "ferry@example.com");
  EXPECT_EQ(mail.Header("to"), "ops@example.com, oncall@example.com");
  EXPECT_EQ(mail.Header("message-id"), "<0190f3a2-7c1e-7abc-9def-0123456789ab@ferry>");
  EXPECT_EQ(mail.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_TRUE(std::regex_match(mail.Header("date"),
                               std::regex(R"([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000)")))
      << mail.Header("date");
  // The envelope, as aiosmtpd records it: both recipients got it.
  EXPECT_EQ(mail.Header("x-mailfrom"), "ferry@example.com");
  EXPECT_EQ(mail.Header("x-rcptto"), "ops@example.com, oncall@example.com");
  for (const AlertCondition& alert : message.alerts) {
    EXPECT_NE(mail.body.find(alert.subject), std::string::npos) << mail.body;
    EXPECT_NE(mail.body.find(alert.summary), std::string::npos) << mail.body;  // UTF-8 intact too
  }
}

TEST(AlertEmailTest, CertificateFromAnUntrustedCaMeansNothingIsSent) {
  TempDir dir;
  const Certificates certs = MakeCertificates(dir.path() / "certs", "ferry-mail-ca");
  const Certificates other = MakeCertificates(dir.path() / "other", "unrelated-ca");
  SmtpServer server(dir.path(), certs);

  const Status sent = SendNow(Options(server.port(), other.ca), TwoAgentsOffline());
  EXPECT_FALSE(sent.ok());
  EXPECT_EQ(sent.code(), StatusCode::kUnavailable) << sent.ToString();
  EXPECT_NE(sent.message().find("certificate"), std::string::npos) << sent.ToString();
  EXPECT_TRUE(server.Delivered().empty());
}

TEST(AlertEmailTest, ServerWithoutStartTlsGetsNothingUnlessPlainTextIsConfigured) {
  TempDir dir;
  const Certificates certs = MakeCertificates(dir.path() / "certs", "ferry-mail-ca");
  SmtpServer server(dir.path(), std::nullopt);
  AlertEmailOptions options = Options(server.port(), certs.ca);

  const Status sent = SendNow(options, TwoAgentsOffline());
  EXPECT_FALSE(sent.ok());
  EXPECT_EQ(sent.code(), StatusCode::kFailedPrecondition) << sent.ToString();
  EXPECT_TRUE(server.Delivered().empty());

  // The same server takes mail in plain text when that is what is
  // configured: the refusal above was the channel's.
  options.tls = SmtpTls::kNone;
  const Status plain = SendNow(options, TwoAgentsOffline());
  EXPECT_TRUE(plain.ok()) << plain.ToString() << "\n" << server.Log();
  EXPECT_EQ(server.Delivered().size(), 1u);
}

TEST(AlertEmailTest, NoServerListeningIsRetryable) {
  TempDir dir;
  const Certificates certs = MakeCertificates(dir.path() / "certs", "ferry-mail-ca");
  const Status sent = SendNow(Options(FreeTcpPort(), certs.ca), TwoAgentsOffline());
  EXPECT_EQ(sent.code(), StatusCode::kUnavailable) << sent.ToString();
  EXPECT_TRUE(sent.retryable());
}

TEST(AlertEmailTest, SummaryTextAddsNoHeaderAndDoesNotEndTheMessage) {
  TempDir dir;
  const Certificates certs = MakeCertificates(dir.path() / "certs", "ferry-mail-ca");
  SmtpServer server(dir.path(), certs);
  AlertMessage message = TwoAgentsOffline();
  message.alerts[0].summary = "queue stalled\r\nBcc: evil@example.com\r\n.\r\nstill part of the alert";
  // AlertMessageText puts each summary on one line; the console address
  // goes into the body as it is, so through it a line that is just "."
  // reaches the channel whatever the text layout.
  message.console_url = "https://cp.example.com:8444/alerts\n.\nafter the dot line";

  const Status sent = SendNow(Options(server.port(), certs.ca), message);
  ASSERT_TRUE(sent.ok()) << sent.ToString() << "\n" << server.Log();
  ASSERT_TRUE(WaitUntil([&] { return !server.Delivered().empty(); }, 10s));
  const std::vector<std::string> mails = server.Delivered();
  ASSERT_EQ(mails.size(), 1u);
  const Mail mail = ParseMail(mails[0]);

  EXPECT_FALSE(mail.Has("bcc")) << mails[0];
  EXPECT_EQ(mail.Header("x-rcptto"), "ops@example.com, oncall@example.com");
  EXPECT_EQ(mail.Header("subject"), AlertMessageSubject(message));
  EXPECT_NE(mail.body.find("still part of the alert"), std::string::npos) << mail.body;
  EXPECT_NE(mail.body.find("plant-02"), std::string::npos) << mail.body;  // what follows the summary too
  EXPECT_NE(mail.body.find("\n.\nafter the dot line"), std::string::npos) << mail.body;
}

}  // namespace
}  // namespace ferry::controlplane
