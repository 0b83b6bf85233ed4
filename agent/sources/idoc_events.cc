#include "agent/sources/idoc_events.h"

#include "common/util/clock.h"
#include "common/util/ids.h"

namespace ferry::agent {
namespace {

void CopyControl(const idoc::ControlRecord& c, ferry::v1::IdocControl* out) {
  out->set_tabnam(c.tabnam);
  out->set_mandt(c.mandt);
  out->set_docnum(c.docnum);
  out->set_docrel(c.docrel);
  out->set_status(c.status);
  out->set_direct(c.direct);
  out->set_outmod(c.outmod);
  out->set_idoctyp(c.idoctyp);
  out->set_cimtyp(c.cimtyp);
  out->set_mestyp(c.mestyp);
  out->set_mescod(c.mescod);
  out->set_mesfct(c.mesfct);
  out->set_sndpor(c.sndpor);
  out->set_sndprt(c.sndprt);
  out->set_sndpfc(c.sndpfc);
  out->set_sndprn(c.sndprn);
  out->set_rcvpor(c.rcvpor);
  out->set_rcvprt(c.rcvprt);
  out->set_rcvpfc(c.rcvpfc);
  out->set_rcvprn(c.rcvprn);
  out->set_credat(c.credat);
  out->set_cretim(c.cretim);
  out->set_serial(c.serial);
}

}  // namespace

IdocBatch IdocEvents(std::vector<idoc::ParsedIdoc>& idocs, std::string_view source, const std::string& agent_id) {
  const int64_t now = NowUnixMs();
  IdocBatch batch;
  batch.events.reserve(idocs.size());
  for (auto& idoc : idocs) {
    ferry::v1::Event e;
    e.set_event_id(NewEventId());
    e.set_agent_id(agent_id);
    e.set_source(std::string(source));
    CopyControl(idoc.control, e.mutable_idoc());
    e.set_received_unix_ms(now);
    e.set_business_key(idoc.business_key);
    e.set_dedup_key(idoc.dedup_key);
    e.set_content_type("application/xml; charset=utf-8");
    e.set_payload(std::move(idoc.xml));
    if (!batch.docnums.empty()) batch.docnums += ",";
    batch.docnums += idoc.control.docnum;
    batch.events.push_back({std::move(e), std::move(idoc.document)});
  }
  return batch;
}

}  // namespace ferry::agent
