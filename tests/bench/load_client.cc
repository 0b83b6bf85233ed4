#include "tests/bench/load_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <strings.h>
#include <algorithm>
#include <charconv>
#include <cstring>

namespace ferry::testing::bench {
namespace {

// The value of a header in `head` (case-insensitive name), or "".
std::string_view HeaderValue(std::string_view head, std::string_view name) {
  size_t at = 0;
  while ((at = head.find("\r\n", at)) != std::string_view::npos) {
    at += 2;
    if (head.size() - at < name.size() + 1) return {};
    if (strncasecmp(head.data() + at, name.data(), name.size()) == 0 && head[at + name.size()] == ':') {
      size_t begin = at + name.size() + 1;
      while (begin < head.size() && head[begin] == ' ') ++begin;
      return head.substr(begin, head.find("\r\n", begin) - begin);
    }
  }
  return {};
}

}  // namespace

LoadClient::LoadClient(int port) : port_(port) {}

LoadClient::~LoadClient() { Close(); }

bool LoadClient::Connect() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  timeval timeout{30, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Close();
    return false;
  }
  buffer_.clear();
  return true;
}

void LoadClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int LoadClient::PostXml(std::string_view path, std::string_view body) {
  const bool reused = fd_ >= 0;
  if (!reused && !Connect()) return 0;
  int status = Exchange(path, body);
  if (status == 0 && reused) {  // the agent closed an idle connection: once more on a new one
    Close();
    if (!Connect()) return 0;
    status = Exchange(path, body);
  }
  if (status == 0) Close();
  return status;
}

int LoadClient::Exchange(std::string_view path, std::string_view body) {
  std::string head = "POST ";
  head.append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: ");
  head.append(std::to_string(body.size())).append("\r\n\r\n");
  iovec parts[2] = {{head.data(), head.size()}, {const_cast<char*>(body.data()), body.size()}};
  size_t total = head.size() + body.size();
  while (total > 0) {
    const ssize_t n = ::writev(fd_, parts, 2);
    if (n <= 0) return 0;
    total -= static_cast<size_t>(n);
    size_t left = static_cast<size_t>(n);
    for (iovec& part : parts) {  // skip what was written
      const size_t skip = std::min(part.iov_len, left);
      part.iov_base = static_cast<char*>(part.iov_base) + skip;
      part.iov_len -= skip;
      left -= skip;
    }
  }
  // Read up to the end of the header, then the body it announces.
  size_t header_end;
  char chunk[4096];
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  // Everything needed from the header is taken before more bytes arrive:
  // appending may move the buffer.
  const std::string_view head_in(buffer_.data(), header_end);
  int status = 0;
  if (head_in.size() < 12 || std::from_chars(head_in.data() + 9, head_in.data() + 12, status).ec != std::errc())
    return 0;
  size_t length = 0;
  const std::string_view length_text = HeaderValue(head_in, "Content-Length");
  std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  const bool closing = HeaderValue(head_in, "Connection") == "close";
  const size_t end = header_end + 4 + length;
  while (buffer_.size() < end) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  buffer_.erase(0, end);
  if (closing) Close();
  return status;
}

}  // namespace ferry::testing::bench
