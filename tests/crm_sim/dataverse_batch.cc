#include "tests/crm_sim/dataverse_batch.h"

#include "common/util/ids.h"

namespace ferry::crm_sim {

using http::EmbeddedRequest;
using http::EmbeddedResponse;
using http::MimePart;

namespace {

// "https://org/api/data/v9.2/accounts(…)", "/api/data/v9.2/accounts(…)" or
// "accounts(…)" → "accounts(…)".
std::string RelativeTarget(std::string_view target) {
  if (const size_t api = target.find("/api/data/"); api != std::string_view::npos) {
    const size_t slash = target.find('/', api + 10);
    return slash == std::string_view::npos ? "" : std::string(target.substr(slash + 1));
  }
  while (!target.empty() && target.front() == '/') target.remove_prefix(1);
  return std::string(target);
}

Status PartError(size_t index, const std::string& what) {
  return Status::InvalidArgument("batch part " + std::to_string(index + 1) + ": " + what);
}

Result<EmbeddedRequest> Operation(const MimePart& part, size_t index) {
  if (http::MediaType(part.headers.Get("Content-Type")) != "application/http") {
    return PartError(
        index, "Content-Type must be application/http, not '" + std::string(part.headers.Get("Content-Type")) + "'");
  }
  auto op = http::ParseEmbeddedRequest(part.body);
  if (!op.ok()) return PartError(index, op.status().message());
  op->target = RelativeTarget(op->target);
  return op;
}

MimePart HttpPart(const EmbeddedResponse& response, const std::string& content_id) {
  MimePart part;
  part.headers.Add("Content-Type", "application/http");
  part.headers.Add("Content-Transfer-Encoding", "binary");
  if (!content_id.empty()) part.headers.Add("Content-ID", content_id);
  part.body = http::WriteEmbeddedResponse(response);
  return part;
}

}  // namespace

Result<ParsedBatch> ParseBatch(std::string_view content_type, std::string_view body) {
  const auto boundary = http::HeaderParam(content_type, "boundary");
  if (http::MediaType(content_type) != "multipart/mixed" || !boundary) {
    return Status::InvalidArgument("Content-Type must be multipart/mixed with a boundary");
  }
  auto parts = http::ParseMultipart(body, *boundary);
  if (!parts.ok()) return parts.status();
  ParsedBatch batch;
  for (size_t i = 0; i < parts->size(); ++i) {
    const MimePart& part = (*parts)[i];
    BatchItem item;
    const std::string_view type = part.headers.Get("Content-Type");
    if (http::MediaType(type) == "multipart/mixed") {
      item.change_set = true;
      const auto inner_boundary = http::HeaderParam(type, "boundary");
      if (!inner_boundary) return PartError(i, "change set without a boundary");
      auto inner = http::ParseMultipart(part.body, *inner_boundary);
      if (!inner.ok()) return PartError(i, inner.status().message());
      for (size_t j = 0; j < inner->size(); ++j) {
        auto op = Operation((*inner)[j], i);
        if (!op.ok()) return op.status();
        if (op->method == "GET") return PartError(i, "a change set may hold only writes, not GET");
        std::string content_id((*inner)[j].headers.Get("Content-ID"));
        if (content_id.empty()) content_id = op->headers.Get("Content-ID");
        if (content_id.empty()) content_id = std::to_string(j + 1);
        item.content_ids.push_back(std::move(content_id));
        item.operations.push_back(std::move(*op));
      }
    } else {
      auto op = Operation(part, i);
      if (!op.ok()) return op.status();
      item.content_ids.emplace_back(part.headers.Get("Content-ID"));
      item.operations.push_back(std::move(*op));
    }
    batch.operations += item.operations.size();
    batch.items.push_back(std::move(item));
  }
  return batch;
}

BatchAnswer RunBatch(const ParsedBatch& batch, bool continue_on_error, RecordStore& store, const RunOperation& run,
                     const ChangeSetHooks& hooks) {
  BatchAnswer answer;
  std::vector<MimePart> parts;
  for (const BatchItem& item : batch.items) {
    bool failed = false;
    if (!item.change_set) {
      EmbeddedResponse res = run(item.operations.front());
      failed = res.status >= 400;
      parts.push_back(HttpPart(res, item.content_ids.front()));
    } else {
      std::vector<MimePart> inner;
      store.Begin();
      if (hooks.begin) hooks.begin();
      for (size_t i = 0; i < item.operations.size() && !failed; ++i) {
        EmbeddedResponse res = run(item.operations[i]);
        failed = res.status >= 400;
        if (failed) {
          store.Rollback();
          if (hooks.finished) hooks.finished(/*committed=*/false);
          parts.push_back(HttpPart(res, item.content_ids[i]));  // the failure stands for the change set
        } else {
          inner.push_back(HttpPart(res, item.content_ids[i]));
        }
      }
      if (!failed) {
        store.Commit();
        if (hooks.finished) hooks.finished(/*committed=*/true);
        const std::string boundary = "changesetresponse_" + NewEventId();
        MimePart part;
        part.headers.Add("Content-Type", "multipart/mixed; boundary=" + boundary);
        part.body = http::WriteMultipart(inner, boundary);
        parts.push_back(std::move(part));
      }
    }
    answer.any_failed = answer.any_failed || failed;
    if (failed && !continue_on_error) {
      answer.stopped = &item != &batch.items.back();
      break;
    }
  }
  const std::string boundary = "batchresponse_" + NewEventId();
  answer.content_type = "multipart/mixed; boundary=" + boundary;
  answer.body = http::WriteMultipart(parts, boundary);
  return answer;
}

}  // namespace ferry::crm_sim
