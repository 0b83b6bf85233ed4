#include "agent/flows/flow_stage.h"

#include <spdlog/spdlog.h>

#include "common/doc/json_document.h"
#include "common/idoc/idoc_xml.h"
#include "common/util/ids.h"

namespace ferry::agent {
namespace {

// A derived event carries everything about the document except its bytes.
ferry::v1::Event DerivedFrom(const ferry::v1::Event& raw, const flows::CompiledFlow& flow, uint64_t version) {
  ferry::v1::Event e;
  e.set_event_id(NewEventId());
  e.set_agent_id(raw.agent_id());
  e.set_source(raw.source());
  if (raw.has_idoc()) *e.mutable_idoc() = raw.idoc();
  if (raw.has_s4()) *e.mutable_s4() = raw.s4();
  e.set_received_unix_ms(raw.received_unix_ms());
  e.set_flow_id(flow.id);
  e.set_bundle_version(version);
  e.set_raw_event_id(raw.event_id());
  return e;
}

}  // namespace

FlowStage::FlowStage(store::Store& store, Outbox& outbox, store::DurableQueue& raw,
                     const store::Checkpoints& checkpoints)
    : store_(store), outbox_(outbox), raw_(raw), checkpoints_(checkpoints) {}

void FlowStage::Install(RunningBundle bundle) {
  std::lock_guard lock(mu_);
  running_ = std::move(bundle);
}

RunningBundle FlowStage::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

ferry::v1::Event FlowStage::Unmappable(const ferry::v1::Event& raw, uint64_t bundle_version, std::string reason,
                                       const std::string& dedup_suffix) {
  ferry::v1::Event e = raw;
  e.set_event_id(NewEventId());
  e.set_raw_event_id(raw.event_id());
  e.set_bundle_version(bundle_version);
  e.set_mapping_error(std::move(reason));
  e.set_dedup_key(raw.dedup_key() + dedup_suffix);
  return e;
}

// What flows match a document by: an IDoc's message and IDoc types; an S/4
// entity's entity set (as message_type) and service (as idoc_type).
flows::DocumentInfo InfoOf(const ferry::v1::Event& raw) {
  if (raw.has_s4()) return {raw.source(), raw.s4().entity_set(), raw.s4().service(), {}};
  return {raw.source(), raw.idoc().mestyp(), raw.idoc().idoctyp(), raw.idoc().cimtyp()};
}

void FlowStage::Map(const RunningBundle& bundle, const IncomingEvent& in, std::vector<store::AppendItem>& out) {
  const ferry::v1::Event& raw = in.event;
  const flows::DocumentInfo info = InfoOf(raw);
  flows::RunResult result = bundle.flows->Run(*in.document, info);
  auto append = [&out](const ferry::v1::Event& e) {
    out.push_back({e.SerializeAsString(), Outbox::IdempotencyKey(e)});
  };

  if (result.outcomes.empty()) {
    // Explaining costs string building: only for documents nothing wanted.
    result = bundle.flows->Run(*in.document, info, /*explain=*/true);
    std::string reason = "no flow in bundle version " + std::to_string(bundle.version) + " matches " +
                         std::string(info.message_type) + "/" + std::string(info.idoc_type);
    for (size_t i = 0; i < result.not_matched.size(); ++i) reason += (i == 0 ? ": " : "; ") + result.not_matched[i];
    append(Unmappable(raw, bundle.version, reason, "#unmatched"));
    ++stats_.unmatched;
    spdlog::warn("event=flow_unmatched docnum={} reason=\"{}\"", raw.idoc().docnum(), reason);
    return;
  }
  for (flows::FlowOutcome& o : result.outcomes) {
    switch (o.kind) {
      case flows::FlowOutcome::Kind::kDropped:
        ++stats_.dropped;
        spdlog::info("event=flow_dropped flow={} docnum={}", o.flow->id, raw.idoc().docnum());
        break;
      case flows::FlowOutcome::Kind::kError: {
        // The raw document travels with the error, so the dead-letter entry
        // shows exactly what could not be mapped.
        ferry::v1::Event e = DerivedFrom(raw, *o.flow, bundle.version);
        e.set_business_key(o.flow->connector + "|" + raw.business_key());
        e.set_dedup_key(raw.dedup_key() + "#" + o.flow->id);
        e.set_connector(o.flow->connector);
        e.set_content_type(raw.content_type());
        e.set_payload(raw.payload());
        e.set_mapping_error(o.error);
        append(e);
        ++stats_.failed;
        spdlog::warn("event=flow_record_error flow={} docnum={} error=\"{}\"", o.flow->id, raw.idoc().docnum(),
                     o.error);
        break;
      }
      case flows::FlowOutcome::Kind::kMapped:
        for (auto& [connector, records] : o.by_connector) {
          ferry::v1::Event e = DerivedFrom(raw, *o.flow, bundle.version);
          // Per-connector keys: a slow CRM must not hold up another one.
          e.set_business_key(connector + "|" + raw.business_key());
          e.set_dedup_key(raw.dedup_key() + "#" + o.flow->id + "@" + connector);
          e.set_connector(connector);
          for (auto& r : records) *e.add_records() = std::move(r);
          append(e);
          ++stats_.mapped;
        }
        break;
    }
  }
}

Result<std::vector<store::AppendItem>> FlowStage::Remap(const ferry::v1::Event& unmapped) {
  const RunningBundle bundle = running();
  if (!bundle.flows) {
    return Status::FailedPrecondition("the agent has no flow bundle that runs" +
                                      (bundle.unavailable.empty() ? "" : ": " + bundle.unavailable));
  }
  // The document as its source accepted it, under its original event id.
  IncomingEvent in;
  // The keys it was accepted under: an S/4 entity's are not in its payload.
  // Unmappable() and a record error appended one "#<why>" to the idempotency
  // key (an S/4 key holds a '#' of its own), and a record error put
  // "<connector>|" before the business key.
  std::string business_key = unmapped.business_key();
  if (!unmapped.connector().empty() && business_key.starts_with(unmapped.connector() + "|")) {
    business_key.erase(0, unmapped.connector().size() + 1);
  }
  std::string dedup_key = unmapped.dedup_key().substr(0, unmapped.dedup_key().rfind('#'));
  if (unmapped.has_s4()) {
    auto document = doc::FromJson(unmapped.payload(), unmapped.s4().entity_set());
    if (!document.ok()) {
      return Status::InvalidArgument("the stored document does not parse: " + document.status().message());
    }
    in.document = std::move(document).value();
  } else {
    auto packet = idoc::ParseIdocXml(unmapped.payload());
    if (!packet.ok()) {
      return Status::InvalidArgument("the stored document does not parse: " + packet.status().message());
    }
    if (packet->idocs.size() != 1) return Status::InvalidArgument("the stored document is not a single IDoc");
    business_key = std::move(packet->idocs.front().business_key);
    dedup_key = std::move(packet->idocs.front().dedup_key);
    in.document = std::move(packet->idocs.front().document);
  }
  in.event = unmapped;
  in.event.set_event_id(unmapped.raw_event_id().empty() ? unmapped.event_id() : unmapped.raw_event_id());
  in.event.clear_agent_sequence();
  in.event.clear_flow_id();
  in.event.clear_bundle_version();
  in.event.clear_records();
  in.event.clear_connector();
  in.event.clear_mapping_error();
  in.event.clear_raw_event_id();
  in.event.set_business_key(std::move(business_key));
  in.event.set_dedup_key(std::move(dedup_key));
  std::vector<store::AppendItem> out;
  Map(bundle, in, out);
  return out;
}

void FlowStage::Accept(std::vector<IncomingEvent> events, Checkpoint checkpoint,
                       std::function<void(AcceptResult)> done) {
  const RunningBundle bundle = running();
  if (!bundle.flows && bundle.unavailable.empty()) {
    outbox_.Accept(std::move(events), std::move(checkpoint), std::move(done));
    return;
  }
  auto raw_items = std::make_shared<std::vector<store::AppendItem>>();
  auto out_items = std::make_shared<std::vector<store::AppendItem>>();
  auto owners = std::make_shared<std::vector<size_t>>();  // out item -> index of its document
  for (size_t i = 0; i < events.size(); ++i) {
    const IncomingEvent& in = events[i];
    raw_items->push_back({in.event.SerializeAsString(), Outbox::IdempotencyKey(in.event)});
    if (!bundle.flows) {
      const ferry::v1::Event e =
          Unmappable(in.event, 0, "no valid flow bundle at the agent: " + bundle.unavailable, "#unavailable");
      out_items->push_back({e.SerializeAsString(), Outbox::IdempotencyKey(e)});
    } else if (in.document) {
      Map(bundle, in, *out_items);
    } else {
      out_items->push_back({in.event.SerializeAsString(), Outbox::IdempotencyKey(in.event)});
    }
    owners->resize(out_items->size(), i);
  }
  store::DurableQueue::EncodeItems(*raw_items);
  store::DurableQueue::EncodeItems(*out_items);
  auto raw_out = std::make_shared<store::AppendOutcome>();
  auto out_out = std::make_shared<store::AppendOutcome>();
  store::DurableQueue& outbox = outbox_.queue();
  store_.Write(
      [this, &outbox, raw_items, out_items, owners, raw_out, out_out,
       checkpoint = std::move(checkpoint)](store::WriteTxn& txn) {
        Status s = raw_.AppendInTxn(txn, *raw_items, *raw_out);
        if (!s.ok()) return s;
        // A resend was mapped when it first came: store none of its events.
        std::vector<store::AppendItem> fresh;
        fresh.reserve(out_items->size());
        for (size_t i = 0; i < out_items->size(); ++i) {
          if (!raw_out->duplicate[(*owners)[i]]) fresh.push_back((*out_items)[i]);
        }
        s = outbox.AppendInTxn(txn, fresh, *out_out);
        if (!s.ok() || checkpoint.name.empty()) return s;
        return checkpoints_.PutInTxn(txn, checkpoint.name, checkpoint.value);
      },
      [this, &outbox, raw_out, done = std::move(done)](const Status& s) {
        AcceptResult result;
        result.status = s;
        if (!s.ok()) {
          // Nothing of this request committed: reload the writer's counters.
          raw_.Resync();
          outbox.Resync();
        } else {
          for (bool dup : raw_out->duplicate) (dup ? result.duplicates : result.stored)++;
        }
        done(result);
        if (s.ok()) outbox.NotifyAppended();
      });
}

}  // namespace ferry::agent
