#include "controlplane/alerts/email_channel.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <utility>

#include "common/config/secret_file.h"
#include "common/util/clock.h"
#include "common/util/ids.h"

namespace ferry::controlplane {
namespace {

// RFC 5322: a line is at most 998 octets without its CRLF.
constexpr size_t kMaxMailLine = 998;

bool IsMailControl(unsigned char c) { return c < 0x20 || c == 0x7F; }
bool IsUtf8Continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// A header value on one line: every control character (CR and LF above
// all, which would start a header of their own) becomes a space.
std::string OneLineHeader(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (IsMailControl(static_cast<unsigned char>(c))) c = ' ';
  }
  return out;
}

std::string EncodedWordBase64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// ASCII as is; otherwise (or when too long for one line) RFC 2047 encoded
// words of whole UTF-8 characters, each within the 75 characters the RFC
// allows, folded one per line.
std::string EncodeSubject(std::string_view subject) {
  const bool ascii = std::all_of(subject.begin(), subject.end(), [](char c) { return (c & 0x80) == 0; });
  if (ascii && subject.size() <= kMaxMailLine - 9 /* "Subject: " */) return std::string(subject);
  constexpr size_t kBytesPerWord = 45;  // 60 base64 characters, 72 with "=?UTF-8?B?" and "?="
  std::string out;
  while (!subject.empty()) {
    size_t n = std::min(kBytesPerWord, subject.size());
    while (n > 0 && n < subject.size() && IsUtf8Continuation(static_cast<unsigned char>(subject[n]))) --n;
    if (n == 0) n = std::min(kBytesPerWord, subject.size());  // not UTF-8: split anywhere
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + EncodedWordBase64(subject.substr(0, n)) + "?=";
    subject.remove_prefix(n);
  }
  return out;
}

// "Tue, 22 Nov 2026 14:05:09 +0000", independent of the locale.
std::string Rfc5322Date(int64_t unix_ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// The left part of the Message-ID: the notification's id in characters a
// dot-atom always allows, so a retry carries the same Message-ID.
std::string MessageIdLocal(std::string_view id) {
  std::string out;
  for (const char c : id.substr(0, 200)) {
    const bool safe =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += safe ? c : '-';
  }
  return out.empty() ? NewEventId() : out;
}

// Appends one line with CRLF, split where it would pass kMaxMailLine (on a
// UTF-8 character boundary when there is one).
void AppendMailLine(std::string_view line, std::string& out) {
  while (line.size() > kMaxMailLine) {
    size_t cut = kMaxMailLine;
    while (cut > 0 && IsUtf8Continuation(static_cast<unsigned char>(line[cut]))) --cut;
    if (cut == 0) cut = kMaxMailLine;
    out.append(line.substr(0, cut)).append("\r\n");
    line.remove_prefix(cut);
  }
  out.append(line).append("\r\n");
}

// The body with CRLF line ends (CR, LF and CRLF in the text all end a line)
// and without control characters other than tabs. A line that is just "."
// stays as it is: libcurl dot-stuffs the upload, so it cannot end the
// message early.
std::string BodyLines(std::string_view text) {
  std::string out;
  std::string line;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      AppendMailLine(line, out);
      line.clear();
    } else if (c == '\t' || !IsMailControl(static_cast<unsigned char>(c))) {
      line += c;
    }
  }
  if (!line.empty()) AppendMailLine(line, out);
  return out;
}

// A bare address curl can put between < and > in MAIL FROM / RCPT TO:
// anything else could smuggle an SMTP command in.
Status CheckAddress(std::string_view what, std::string_view address) {
  const bool usable = !address.empty() && std::none_of(address.begin(), address.end(), [](char c) {
    return IsMailControl(static_cast<unsigned char>(c)) || c == ' ' || c == '<' || c == '>' || c == ',';
  });
  return usable ? Status::Ok() : Status::InvalidArgument("email " + std::string(what) + " is not a bare address");
}

Status CheckEmailOptions(const AlertEmailOptions& options) {
  std::string scheme = options.url.substr(0, options.url.find("://"));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  const char* wanted = options.tls == SmtpTls::kSmtps ? "smtps" : "smtp";
  if (options.url.find("://") == std::string::npos || scheme != wanted) {
    return Status::InvalidArgument(std::string("email url must start with ") + wanted + ":// for this tls setting");
  }
  if (Status s = CheckAddress("from", options.from); !s.ok()) return s;
  if (options.to.empty()) return Status::InvalidArgument("email has no recipients (to)");
  for (const std::string& to : options.to) {
    if (Status s = CheckAddress("to", to); !s.ok()) return s;
  }
  return Status::Ok();
}

Status InitCurlOnce() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) return Status::Internal(std::string("curl_global_init: ") + curl_easy_strerror(result));
  return Status::Ok();
}

struct CurlCleanup {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The message as libcurl's upload source.
size_t ReadMail(char* buffer, size_t size, size_t count, void* user) {
  auto* rest = static_cast<std::string_view*>(user);
  const size_t n = std::min(size * count, rest->size());
  std::memcpy(buffer, rest->data(), n);
  rest->remove_prefix(n);
  return n;
}

// What went wrong, and whether a later attempt may succeed. `reply` is the
// last SMTP reply code (0 when there was none), `detail` curl's error buffer.
Status ClassifySmtpFailure(CURLcode rc, long reply, const char* detail) {
  // curl's error buffer mostly repeats its error text with the particulars.
  std::string what = curl_easy_strerror(rc);
  const std::string more = detail;
  if (more.find(what) != std::string::npos) {
    what = more;
  } else if (!more.empty() && what.find(more) == std::string::npos) {
    what += " (" + more + ")";
  }
  what = "SMTP: " + what;
  // Only a refusal is worth naming: a positive last reply (220, 250) says
  // nothing about what failed.
  if (reply >= 400) what += ", reply " + std::to_string(reply);
  if (reply >= 400 && reply < 500) return Status::Unavailable(what);
  if (rc == CURLE_LOGIN_DENIED) return Status::Unauthenticated(what);
  if (reply >= 500 && reply < 600) return Status::FailedPrecondition(what);
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:  // as the HTTP client: a certificate may be fixed on the server
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
      return Status::Unavailable(what);
    case CURLE_USE_SSL_FAILED:  // no STARTTLS offered: the same next time
      return Status::FailedPrecondition(what);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_SSL_CACERT_BADFILE:
      return Status::InvalidArgument(what);
    default:
      return Status::Internal(what);
  }
}

// Blocking: one SMTP session that sends `mail` to every recipient.
Status SendOverSmtp(const AlertEmailOptions& options, std::string_view mail) {
  if (Status s = InitCurlOnce(); !s.ok()) return s;
  std::string password;
  if (!options.username.empty() && !options.password_file.empty()) {
    Result<std::string> read = config::ReadSecretFile(options.password_file);
    if (!read.ok()) return read.status();
    password = std::move(read).value();
  }
  std::unique_ptr<CURL, CurlCleanup> curl(curl_easy_init());
  if (!curl) return Status::Internal("SMTP: curl_easy_init failed");
  std::unique_ptr<curl_slist, SlistFree> recipients;
  for (const std::string& to : options.to) {
    curl_slist* head = curl_slist_append(recipients.get(), to.c_str());
    if (head == nullptr) return Status::Internal("SMTP: out of memory");
    (void)recipients.release();  // the same list, possibly with a new head
    recipients.reset(head);
  }

  CURL* c = curl.get();
  char error[CURL_ERROR_SIZE] = {0};
  std::string_view rest = mail;
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(c, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error);
  set(CURLOPT_URL, options.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // CURLUSESSL_ALL fails the session when the server offers no STARTTLS
  // instead of going on in plain text.
  set(CURLOPT_USE_SSL, static_cast<long>(options.tls == SmtpTls::kNone ? CURLUSESSL_NONE : CURLUSESSL_ALL));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) set(CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.username.empty()) {
    set(CURLOPT_USERNAME, options.username.c_str());
    set(CURLOPT_PASSWORD, password.c_str());
  }
  set(CURLOPT_MAIL_FROM, options.from.c_str());
  set(CURLOPT_MAIL_RCPT, recipients.get());
  set(CURLOPT_UPLOAD, 1L);
  set(CURLOPT_READFUNCTION, &ReadMail);
  set(CURLOPT_READDATA, &rest);
  set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.size()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  set(CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: this is not the only thread
  if (rc != CURLE_OK) return Status::Internal(std::string("SMTP: setting up curl: ") + curl_easy_strerror(rc));

  rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return Status::Ok();
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  Status failed = ClassifySmtpFailure(rc, reply, error);
  // curl's messages do not quote the password; make sure of it.
  if (!password.empty() && failed.message().find(password) != std::string::npos) {
    return ClassifySmtpFailure(rc, reply, "");
  }
  return failed;
}

}  // namespace

std::string AlertEmail(const AlertEmailOptions& options, const AlertMessage& message) {
  // Folded between addresses, so that many recipients never make an
  // over-long line.
  std::string to;
  size_t line_length = 4;  // "To: "
  for (const std::string& address : options.to) {
    const std::string text = OneLineHeader(address);
    if (!to.empty()) {
      const bool fold = line_length + 2 + text.size() > 78;
      to += fold ? ",\r\n " : ", ";
      line_length = fold ? 1 : line_length + 2;
    }
    to += text;
    line_length += text.size();
  }
  std::string m;
  m += "Date: " + Rfc5322Date(message.unix_ms > 0 ? message.unix_ms : NowUnixMs()) + "\r\n";
  m += "From: " + OneLineHeader(options.from) + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + EncodeSubject(OneLineHeader(AlertMessageSubject(message))) + "\r\n";
  m += "Message-ID: <" + MessageIdLocal(message.id) + "@ferry>\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "\r\n";
  m += BodyLines(AlertMessageText(message));
  return m;
}

EmailChannel::EmailChannel(boost::asio::any_io_executor /*executor*/, AlertEmailOptions options)
    : options_(std::move(options)) {}

EmailChannel::~EmailChannel() { transfers_.join(); }

boost::asio::awaitable<Status> EmailChannel::Send(const AlertMessage& message) {
  if (Status s = CheckEmailOptions(options_); !s.ok()) co_return s;
  std::string mail = AlertEmail(options_, message);
  // The exchange runs on transfers_; co_spawn's completion resumes this
  // coroutine on its own executor.
  co_return co_await boost::asio::co_spawn(transfers_.get_executor(), Transfer(std::move(mail)),
                                           boost::asio::use_awaitable);
}

boost::asio::awaitable<Status> EmailChannel::Transfer(std::string mail) { co_return SendOverSmtp(options_, mail); }

}  // namespace ferry::controlplane
