#include "common/log/log.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>
#include <string>

#include "common/util/utf8.h"

namespace ferry::log {
namespace {

// syslog priorities for journald's stderr parsing.
class JournalPriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr const char* kPrefix[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", ""};
    std::string_view p = kPrefix[static_cast<int>(msg.level)];
    dest.append(p.data(), p.data() + p.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JournalPriorityFlag>(); }
};

// The message, escaped: many values in a line come from outside (IDoc
// fields, CRM answers, topic names), and one with a newline must not become
// a line of its own. Escaping here covers every log call at once.
class EscapedPayloadFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    scratch_.clear();
    AppendEscapedForLog(payload, scratch_);
    dest.append(scratch_.data(), scratch_.data() + scratch_.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<EscapedPayloadFlag>(); }

 private:
  std::string scratch_;
};

// protobuf reports every string field that is not UTF-8 on stderr, as
// often as a peer sends one: through our log instead, at debug level (the
// caller logs the failure itself, once, where it is handled).
void ProtobufToLog(google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
  if (level >= google::protobuf::LOGLEVEL_FATAL) {
    spdlog::critical("event=protobuf_fatal file={} line={} message=\"{}\"", file, line, message);
    return;
  }
  spdlog::debug("event=protobuf_log file={} line={} message=\"{}\"", file, line, message);
}

}  // namespace

std::unique_ptr<spdlog::formatter> MakeLineFormatter(bool journald) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  // journald timestamps lines itself.
  formatter->add_flag<JournalPriorityFlag>('*').add_flag<EscapedPayloadFlag>('&').set_pattern(
      journald ? "%*%l %n %&" : "%Y-%m-%dT%H:%M:%S.%e %l %n %&");
  return formatter;
}

bool IsValidLevel(std::string_view level) {
  return level == "trace" || level == "debug" || level == "info" || level == "warn" || level == "error";
}

Status SetLevel(std::string_view level) {
  if (!IsValidLevel(level)) {
    return Status::InvalidArgument("log level must be one of trace, debug, info, warn, error; got '" +
                                   std::string(level) + "'");
  }
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
  return Status::Ok();
}

std::string ReadLogLevel(config::ConfigNode& root) {
  auto log = root.Section("log");
  std::string level = log.String("level", "info");
  if (!IsValidLevel(level)) log.Error("level", "must be one of trace, debug, info, warn, error");
  return level;
}

Status Init(std::string_view component, std::string_view level) {
  auto logger = spdlog::stderr_logger_mt(std::string(component));
  logger->set_formatter(MakeLineFormatter(std::getenv("JOURNAL_STREAM") != nullptr));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  google::protobuf::SetLogHandler(&ProtobufToLog);
  return SetLevel(level);
}

}  // namespace ferry::log
