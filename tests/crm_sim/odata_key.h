#pragma once
// OData key segments as Dataverse takes them: an entity set with a primary
// key, accounts(00000000-0000-0000-0000-000000000001), or an alternate key,
// accounts(accountnumber='K1') or contacts(k1='a',k2='b'). String values
// are single-quoted with quotes doubled ('O''Brien'); numbers and GUIDs may
// be unquoted. Percent-decoding happens before this parse.

#include <string>
#include <string_view>

#include "common/status.h"
#include "tests/crm_sim/record_store.h"

namespace ferry::crm_sim {

struct ODataKey {
  std::string entity_set;
  std::string id;    // a primary key (GUID), or empty
  KeyValues values;  // an alternate key, in the order written
};

// "accounts(accountnumber='K1')" → {accounts, {accountnumber: K1}}.
// InvalidArgument for anything else (no parentheses, an open quote, …).
Result<ODataKey> ParseKeySegment(std::string_view segment);

// The target of an @odata.bind: "/accounts(…)", "accounts(…)" or an
// absolute URL ending in ".../api/data/v9.2/accounts(…)".
Result<ODataKey> ParseEntityReference(std::string_view reference);

bool IsGuid(std::string_view text);

// The key as written back in messages: "accountnumber='K1'".
std::string KeyText(const ODataKey& key);

}  // namespace ferry::crm_sim
