#include "agent/down/s4_odata_target.h"

#include <gtest/gtest.h>

namespace ferry::agent {
namespace {

TEST(S4ODataTargetTest, TheDocumentNumberIsTheKeyOfTheEntitySapNames) {
  EXPECT_EQ(S4ODataTarget::KeyOfUri("https://s4/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('4711')"), "4711");
  EXPECT_EQ(S4ODataTarget::KeyOfUri("A_ServiceOrder('8000001')"), "8000001");
  EXPECT_EQ(S4ODataTarget::KeyOfUri("A_Item(SalesOrder='1',SalesOrderItem='10')"),
            "SalesOrder='1',SalesOrderItem='10'");
  EXPECT_EQ(S4ODataTarget::KeyOfUri("A_SalesOrder"), "");
  EXPECT_EQ(S4ODataTarget::KeyOfUri(""), "");
  EXPECT_EQ(S4ODataTarget::KeyOfUri("A_SalesOrder('" + std::string(100, '1') + "')"), "") << "no number is that long";
}

}  // namespace
}  // namespace ferry::agent
