#pragma once
// Field IT's commands on the agent's buffer: `status`, `queue ls | show |
// retry | skip | purge` and `trace` (README.md "Operating the agent").
//
// They read the store through LMDB read transactions, beside a running agent
// or a stopped one. Changes go through the running agent's control socket
// (one writer); with the agent stopped the CLI makes them itself. Output is
// a table for people, or JSON (--json) for scripts.
//
// Exit codes: 0 done; 1 nothing matched, or some events were refused;
// 2 bad usage or configuration; 3 the running agent could not be reached
// (or no permission to use it); 4 the store could not be read or written.

#include <optional>
#include <string>
#include <vector>

#include "agent/buffer/buffer_view.h"

namespace ferry::agent {

struct BufferCliOptions {
  std::string config_path;
  bool json = false;
};

struct QueueListOptions {
  std::string state;
  std::string message_type;
  std::string sender;
  std::string business_key;
  std::string docnum;
  std::string since;  // ISO time, date, or an age like 2h
  std::string until;
  size_t limit = 50;
  size_t offset = 0;
  bool count = false;  // read everything to count the matches
};

struct QueueEditOptions {
  std::string command;  // retry, skip, purge
  std::vector<std::string> ids;
  bool all_dead_letters = false;  // retry: every dead letter the filter matches
  QueueListOptions filter;        // retry --all-dead-letters, purge
  std::string reason;
  bool yes = false;  // purge
};

int RunStatus(const BufferCliOptions& options);
int RunQueueList(const BufferCliOptions& options, const QueueListOptions& list);
int RunQueueShow(const BufferCliOptions& options, const std::string& id_or_docnum);
int RunQueueEdit(const BufferCliOptions& options, const QueueEditOptions& edit);
int RunTrace(const BufferCliOptions& options, const std::string& docnum);

}  // namespace ferry::agent
