#pragma once
// `ferry-agent down ls`: the CRM records this agent has committed on their
// way into SAP and not yet run (docs/down.md), oldest first: the order the
// down executor takes them in. Read from the store beside a running agent
// or a stopped one; a table, or JSON with --json. What came of a record
// that has run is in `queue ls` (its write-back, source "down") and the
// dead letters.

#include <cstddef>

#include "agent/cli/buffer_cli.h"

namespace ferry::agent {

// Exit codes as buffer_cli.h: 0 listed (possibly nothing), 2 bad
// configuration, 4 the store could not be read.
int RunDownList(const BufferCliOptions& options, size_t limit);

}  // namespace ferry::agent
