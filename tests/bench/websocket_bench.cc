#include "tests/bench/websocket_bench.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <thread>

#include "tests/support/test_pki.h"

namespace ferry::testing::bench {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TlsWebSocket = websocket::stream<ssl::stream<tcp::socket>>;

}  // namespace

double WebSocketRawPerSecond(const std::filesystem::path& dir, int messages, size_t size) {
  std::filesystem::create_directories(dir);
  TestPki pki(dir);
  pki.IssueClient("bench-01");

  ssl::context server_tls(ssl::context::tls_server);
  server_tls.use_certificate_chain_file(pki.Path("server.crt"));
  server_tls.use_private_key_file(pki.Path("server.key"), ssl::context::pem);
  server_tls.load_verify_file(pki.Path("ca.pem"));
  server_tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  asio::io_context server_io;
  tcp::acceptor acceptor(server_io, {asio::ip::address_v4::loopback(), 0});
  const uint16_t port = acceptor.local_endpoint().port();

  int received = 0;
  Clock::time_point last_read;
  std::thread server([&] {
    TlsWebSocket ws(acceptor.accept(), server_tls);
    ws.next_layer().handshake(ssl::stream_base::server);
    ws.accept();
    ws.read_message_max(size + 1024);
    boost::beast::flat_buffer buffer;
    while (received < messages) {
      ws.read(buffer);
      buffer.consume(buffer.size());
      ++received;
    }
    last_read = Clock::now();
  });

  ssl::context client_tls(ssl::context::tls_client);
  client_tls.load_verify_file(pki.Path("ca.pem"));
  client_tls.use_certificate_file(pki.Path("bench-01.crt"), ssl::context::pem);
  client_tls.use_private_key_file(pki.Path("bench-01.key"), ssl::context::pem);
  client_tls.set_verify_mode(ssl::verify_peer);
  asio::io_context client_io;
  TlsWebSocket client(client_io, client_tls);
  client.next_layer().next_layer().connect({asio::ip::address_v4::loopback(), port});
  client.next_layer().handshake(ssl::stream_base::client);
  client.handshake("127.0.0.1", "/");
  client.binary(true);
  const std::string payload(size, 'x');
  const auto start = Clock::now();
  for (int i = 0; i < messages; ++i) client.write(asio::buffer(payload));
  server.join();
  return received / std::chrono::duration<double>(last_read - start).count();
}

}  // namespace ferry::testing::bench
