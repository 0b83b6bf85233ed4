// IDocs in a SOAP envelope on the agent's IDoc listener (SAP's XML-HTTP port
// with "SOAP Protocol"): answered with IDOC_INBOUND_XML_SOAP_HTTP's ASSIGN
// after the commit, with a SOAP fault otherwise, and delivered like bare
// IDoc-XML.

#include <gtest/gtest.h>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

TEST(IdocSoapTest, IdocsInASoapEnvelopeAreCommittedAnsweredWithAssignAndDelivered) {
  Pipeline p;
  p.StartAll();
  const std::string body =
      InSoap11(DebmasPacket({{Docnum(750001), "0000750001", "DE"}, {Docnum(750002), "0000750002", "AT"}}));
  auto res = p.PostIdoc(body, "text/xml; charset=utf-8", {{"SOAPAction", "\"\""}});
  ASSERT_EQ(res.status, 200) << res.error << res.body;
  EXPECT_EQ(res.headers["content-type"], "text/xml; charset=utf-8");
  EXPECT_NE(res.body.find("<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\">"),
            std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find("<n0:IDOC_INBOUND_XML_SOAP_HTTP.Response"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("<ASSIGN><item><TRANSFER_ID>0000000000750001</TRANSFER_ID><DB_ID>0000000000750001</DB_ID>"
                          "</item><item><TRANSFER_ID>0000000000750002</TRANSFER_ID>"),
            std::string::npos)
      << res.body;

  ASSERT_TRUE(p.sink().WaitForAccepted(2, seconds(30)));
  const auto deliveries = DeliveriesByDocnum(p.sink());
  EXPECT_EQ(deliveries.at(Docnum(750001)).size(), 1u);
  EXPECT_EQ(deliveries.at(Docnum(750002)).size(), 1u);
  for (const auto& r : p.sink().Requests()) EXPECT_EQ(r.body.find("Envelope"), std::string::npos) << r.body;

  // SAP resends after a lost answer: the same ASSIGN, nothing stored twice.
  auto again = p.PostIdoc(body, "text/xml");
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("<TRANSFER_ID>0000000000750002</TRANSFER_ID>"), std::string::npos);
  EXPECT_FALSE(p.sink().WaitForAccepted(3, std::chrono::milliseconds(1500)));
}

TEST(IdocSoapTest, AnEnvelopeWithoutAnIdocOrWithABadOneGetsAFaultAndNothingIsCommitted) {
  Pipeline p;
  p.StartAll();
  const std::string empty =
      "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap-env:Body/>"
      "</soap-env:Envelope>";
  auto res = p.PostIdoc(empty, "text/xml");
  EXPECT_EQ(res.status, 500) << res.body;  // SOAP 1.1 sends every fault with 500
  EXPECT_NE(res.body.find("<faultcode>soap-env:Client</faultcode>"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("<faultstring xml:lang=\"en\">the SOAP Body holds no IDoc</faultstring>"), std::string::npos)
      << res.body;

  // A packet of two where the second has no control record: neither is kept.
  std::string packet = DebmasPacket({{Docnum(750011), "0000750011", "DE"}, {Docnum(750012), "0000750012", "DE"}});
  const size_t second = packet.find("<EDI_DC40", packet.find("</IDOC>"));
  packet.replace(second, packet.find("</EDI_DC40>", second) + 11 - second, "");
  res = p.PostIdoc(InSoap11(packet), "text/xml");
  EXPECT_EQ(res.status, 500);
  EXPECT_NE(res.body.find("IDOC #2 has no EDI_DC40 control record"), std::string::npos) << res.body;

  // SOAP 1.2: the fault in 1.2's shape, 400 for the sender's fault.
  const std::string soap12 =
      "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body><DEBMAS05>&broken;"
      "</DEBMAS05></env:Body></env:Envelope>";
  res = p.PostIdoc(soap12, "application/soap+xml; charset=utf-8");
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(res.headers["content-type"], "application/soap+xml; charset=utf-8");
  EXPECT_NE(res.body.find("<soap-env:Value>soap-env:Sender</soap-env:Value>"), std::string::npos) << res.body;

  EXPECT_EQ(p.AgentOutboxDepth(), 0u);
  EXPECT_EQ(p.sink().AcceptedCount(), 0u);
}

TEST(IdocSoapTest, AFullOutboxAnswersAReceiverFaultWithRetryAfter) {
  PipelineOptions options;
  options.agent_max_bytes = "64KiB";  // ~20 customer IDocs
  Pipeline p(options);
  // Without a control plane nothing is acknowledged: the outbox fills.
  p.broker().Start();
  p.StartAgent();
  HttpResponse res;
  for (uint64_t n = 760001; n < 760001 + 200; ++n) {
    res = p.PostIdoc(InSoap11(DebmasPacket({{Docnum(n), "0000" + std::to_string(n), "DE"}})), "text/xml");
    if (res.status != 200) break;
  }
  ASSERT_EQ(res.status, 503) << res.error << res.body;
  EXPECT_EQ(res.headers["retry-after"], "7");
  EXPECT_NE(res.body.find("<faultcode>soap-env:Server</faultcode>"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("not accepted, retry later"), std::string::npos) << res.body;
}

}  // namespace
}  // namespace ferry::testing
