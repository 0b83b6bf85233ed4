#include "tests/crm_sim/sim_http.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <random>

namespace ferry::crm_sim {

namespace beast_http = boost::beast::http;

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::map<std::string, std::string> QueryOf(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  return ParseForm(target.substr(q + 1));
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    const size_t end = std::min(path.find('/', pos), path.size());
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    const size_t end = std::min(body.find('&', pos), body.size());
    const std::string_view pair = body.substr(pos, end - pos);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      out[PercentDecode(pair.substr(0, eq), true)] =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
    }
    pos = end + 1;
  }
  return out;
}

std::string_view HeaderOf(const Request& req, std::string_view name) {
  auto it = req.find(boost::beast::string_view(name.data(), name.size()));
  if (it == req.end()) return {};
  return {it->value().data(), it->value().size()};
}

std::string BearerToken(const Request& req) {
  const std::string_view auth = HeaderOf(req, "Authorization");
  if (auth.size() < 7 || !IEquals(auth.substr(0, 7), "Bearer ")) return "";
  std::string_view token = auth.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return std::string(token);
}

Result<json::value> ParseJsonBody(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Status::InvalidArgument(ec.message());
  return v;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

std::optional<std::string> ScalarText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double() || v.is_bool()) return json::serialize(v);
  return std::nullopt;
}

Response JsonResponse(const Request& req, int status, const json::value& body) {
  return JsonTextResponse(req, status, json::serialize(body));
}

Response JsonTextResponse(const Request& req, int status, std::string body) {
  Response res{static_cast<beast_http::status>(status), req.version()};
  res.set(beast_http::field::content_type, "application/json; charset=utf-8");
  res.body() = std::move(body);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

std::string DecimalText(double value) {
  char text[64];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  std::string out(text, ec == std::errc() ? end : text);
  if (out.find_first_not_of("-0123456789") == std::string::npos) out += ".0";
  return out;
}

namespace {

void AppendWithDecimals(std::string& out, const json::value& value) {
  if (value.is_double()) {
    out += DecimalText(value.get_double());
  } else if (const json::object* object = value.if_object()) {
    out += '{';
    for (auto it = object->begin(); it != object->end(); ++it) {
      if (it != object->begin()) out += ',';
      out += json::serialize(json::string(it->key()));
      out += ':';
      AppendWithDecimals(out, it->value());
    }
    out += '}';
  } else if (const json::array* array = value.if_array()) {
    out += '[';
    for (size_t i = 0; i < array->size(); ++i) {
      if (i > 0) out += ',';
      AppendWithDecimals(out, (*array)[i]);
    }
    out += ']';
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

std::string SerializeWithDecimals(const json::value& value) {
  std::string out;
  AppendWithDecimals(out, value);
  return out;
}

Response EmptyResponse(const Request& req, int status) {
  Response res{static_cast<beast_http::status>(status), req.version()};
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

std::string RandomText(size_t n, std::string_view alphabet) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out(n, ' ');
  for (char& c : out) c = alphabet[pick(rng)];
  return out;
}

}  // namespace ferry::crm_sim
