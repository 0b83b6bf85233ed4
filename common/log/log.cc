#include "common/log/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>

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
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriorityFlag>();
  }
};

}  // namespace

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
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
  // journald timestamps lines itself.
  formatter->add_flag<JournalPriorityFlag>('*').set_pattern(journald ? "%*%l %n %v"
                                                                      : "%Y-%m-%dT%H:%M:%S.%e %l %n %v");
  logger->set_formatter(std::move(formatter));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return SetLevel(level);
}

}  // namespace ferry::log
