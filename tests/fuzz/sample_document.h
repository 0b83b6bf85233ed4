#pragma once
// A small customer IDoc as a document, shared by the flow fuzz targets so
// that fuzzed expressions and flows are evaluated, not just parsed. Values
// are chosen to reach the conversions: padded numbers, SAP dates and times,
// a trailing-minus decimal, flags, repeated segments for paths and filters.

#include "common/doc/document.h"

namespace ferry::fuzz {

inline const doc::Document& SampleDocument() {
  static const doc::Document* const document = [] {
    auto* d = new doc::Document("IDOC");
    const doc::NodeId dc = d->AddChild(d->root(), "EDI_DC40");
    d->AddChild(dc, "MESTYP", "DEBMAS");
    d->AddChild(dc, "IDOCTYP", "DEBMAS05");
    d->AddChild(dc, "CREDAT", "20250312");
    d->AddChild(dc, "CRETIM", "091504");
    const doc::NodeId kna1 = d->AddChild(d->root(), "E1KNA1M");
    d->AddChild(kna1, "MSGFN", "009");
    d->AddChild(kna1, "KUNNR", "0000100001");
    d->AddChild(kna1, "NAME1", "Nordwind Maschinenbau GmbH  ");
    d->AddChild(kna1, "LAND1", "DE");
    d->AddChild(kna1, "SPERR", "X");
    d->AddChild(kna1, "UMSAT", "1234.50-");
    for (const char* vkorg : {"1000", "2000"}) {
      const doc::NodeId vv = d->AddChild(kna1, "E1KNVVM");
      d->AddChild(vv, "VKORG", vkorg);
      d->AddChild(vv, "WAERS", "EUR");
      d->AddChild(vv, "ANTLF", "9");
      const doc::NodeId vp = d->AddChild(vv, "E1KNVPM");
      d->AddChild(vp, "PARVW", "RG");
      d->AddChild(vp, "KUNN2", "0000100002");
    }
    return d;
  }();
  return *document;
}

}  // namespace ferry::fuzz
