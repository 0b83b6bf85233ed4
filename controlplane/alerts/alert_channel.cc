#include "controlplane/alerts/alert_channel.h"

#include <boost/json.hpp>

#include "common/util/clock.h"

namespace ferry::controlplane {
namespace {

const char* ChangeWord(AlertChange change) {
  switch (change) {
    case AlertChange::kFiring:
      return "firing";
    case AlertChange::kRepeat:
      return "repeat";
    case AlertChange::kResolved:
      return "resolved";
  }
  return "firing";
}

// Control characters (CR and LF above all) out of a line that goes into a
// header or a one-line field.
std::string Printable(std::string_view text) {
  std::string out;
  for (const char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return out;
}

}  // namespace

std::string AlertMessageJson(const AlertMessage& m) {
  boost::json::array alerts;
  for (const auto& a : m.alerts) alerts.push_back({{"subject", a.subject}, {"summary", a.summary}});
  boost::json::object body{{"id", m.id},
                           {"rule", m.rule},
                           {"kind", m.kind},
                           {"change", ChangeWord(m.change)},
                           {"at", FormatIsoTimeMs(m.unix_ms)},
                           {"alerts", std::move(alerts)}};
  if (!m.console_url.empty()) body["console"] = m.console_url;
  return boost::json::serialize(body);
}

std::string AlertMessageSubject(const AlertMessage& m) {
  std::string subject = std::string("[Ferry] ") + AlertChangeName(m.change) + ": " + m.rule;
  if (m.alerts.size() == 1) {
    subject += " - " + m.alerts.front().subject;
  } else {
    subject += " (" + std::to_string(m.alerts.size()) + " subjects)";
  }
  return Printable(subject);
}

std::string AlertMessageText(const AlertMessage& m) {
  std::string text = "Alert rule \"" + m.rule + "\" (" + m.kind + ") is " + AlertChangeName(m.change) + " as of " +
                     FormatIsoTimeMs(m.unix_ms) + ":\n\n";
  for (const auto& a : m.alerts) text += "  " + Printable(a.subject) + ": " + Printable(a.summary) + "\n";
  if (!m.console_url.empty()) text += "\nSee " + m.console_url + "\n";
  text += "\nNotification " + m.id + "\n";
  return text;
}

}  // namespace ferry::controlplane
