// Fuzz target: HTTP/1.1 request parsing as the listener does it (Beast's
// request_parser, configured as in HttpServer::ServeStream): header limit
// 64 KiB, header read without a body limit, then the body limit applied and
// an over-long Content-Length refused before the body is read. Requests are
// read one after another from the same bytes, as on a keep-alive connection.
// This is the first code that touches bytes from the network, before any
// IDoc is parsed.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

namespace http = boost::beast::http;
using Parser = http::request_parser<http::string_body>;
constexpr uint64_t kMaxBodyBytes = 16u << 20;  // HttpServer's and the IDoc source's default

// Puts bytes of `in` into the parser until `done()`; false when the server
// would close the connection (a parse error, or the input ends first).
template <typename Done>
bool Feed(Parser& parser, std::string_view& in, Done done) {
  while (!done()) {
    boost::beast::error_code ec;
    if (in.empty()) {
      parser.put_eof(ec);  // the peer closed its side
      return !ec && done();
    }
    const size_t used = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
    in.remove_prefix(used);
    if (ec == http::error::need_more && used == 0) {
      in = {};  // an incomplete message, and no more bytes will come
    } else if (ec && ec != http::error::need_more) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < 16 && !in.empty(); ++i) {
    Parser parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(boost::none);
    if (!Feed(parser, in, [&] { return parser.is_header_done(); })) return 0;
    parser.body_limit(kMaxBodyBytes);
    if (parser.content_length() && *parser.content_length() > kMaxBodyBytes) return 0;  // 413
    if (!Feed(parser, in, [&] { return parser.is_done(); })) return 0;
    const auto request = parser.release();
    (void)request.method_string();
    (void)request.target();
    (void)request[http::field::content_type];
    if (request.body().size() > kMaxBodyBytes) __builtin_trap();
    if (!request.keep_alive()) return 0;
  }
  return 0;
}
