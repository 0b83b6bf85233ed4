#pragma once
// The e-mail alert channel: one plain-text message per notification, sent
// over SMTP with libcurl. STARTTLS is required by default, so a server (or
// something in between) that does not offer it gets nothing, never plain
// text; the server's certificate and host name are always verified.
//
// libcurl blocks, so the SMTP exchange runs on the channel's own thread and
// never on the event loop; Send() resumes on the awaiting coroutine's
// executor. Send() returns
//   OK                  the server accepted the message for every recipient;
//   Unavailable         a later attempt may succeed: no connection, timeout,
//                       TLS handshake or certificate failure, a 4xx reply;
//   Unauthenticated     the server refused the login (5xx);
//   FailedPrecondition  any other 5xx reply (a refused sender or recipient),
//                       or a server that does not offer STARTTLS;
//   InvalidArgument     a URL that does not match `tls`, an address that
//                       cannot be used, an unreadable CA file;
//   NotFound / InvalidArgument  an unreadable or empty password file;
//   Internal            a libcurl failure that is none of the above.
// Messages name the curl error and the SMTP reply code, never the password.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <string>
#include <string_view>

#include "common/status.h"
#include "controlplane/alerts/alert_channel.h"
#include "controlplane/alerts/alerts_config.h"

namespace ferry::controlplane {

// The RFC 5322 message Send() transmits, with CRLF line ends: Date (the
// notification's time), From, To, Subject (RFC 2047 encoded when not
// ASCII), Message-ID <id@ferry>, and the UTF-8 body from AlertMessageText.
// Header values never contain CR or LF, whatever the notification holds.
std::string AlertEmail(const AlertEmailOptions& options, const AlertMessage& message);

class EmailChannel : public AlertChannel {
 public:
  // `executor` is the event loop that awaits Send(); nothing runs on it but
  // the building of the message, so the channel keeps no handle to it.
  EmailChannel(boost::asio::any_io_executor executor, AlertEmailOptions options);
  // Waits for a send in progress, which ends within options.timeout.
  ~EmailChannel() override;
  EmailChannel(const EmailChannel&) = delete;
  EmailChannel& operator=(const EmailChannel&) = delete;

  std::string_view name() const override { return "email"; }
  boost::asio::awaitable<Status> Send(const AlertMessage& message) override;

 private:
  // On transfers_: reads the password and runs the whole SMTP exchange.
  boost::asio::awaitable<Status> Transfer(std::string mail);

  const AlertEmailOptions options_;
  // One thread: alerts are few, and one connection at a time is polite to
  // the mail server.
  boost::asio::thread_pool transfers_{1};
};

}  // namespace ferry::controlplane
