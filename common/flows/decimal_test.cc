#include "common/flows/decimal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace ferry::flows {
namespace {

const std::string k38Nines(38, '9');

Decimal D(std::string_view text) {
  std::optional<Decimal> d = Decimal::Parse(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d.value_or(Decimal());
}

std::string DecimalText(const Result<Decimal>& r) { return r.ok() ? r->ToString() : "error: " + r.status().message(); }

void ExpectOverflow(const Result<Decimal>& r) {
  ASSERT_FALSE(r.ok()) << r->ToString();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "decimal overflow");
}

TEST(DecimalTest, ParsesSapAndPlainNotation) {
  EXPECT_EQ(D("2500.00-").ToString(), "-2500.00");
  EXPECT_EQ(D("  12.5 ").ToString(), "12.5");
  EXPECT_EQ(D("\t3\n").ToString(), "3");
  EXPECT_EQ(D("+7").ToString(), "7");
  EXPECT_EQ(D("-0.5").ToString(), "-0.5");
  EXPECT_EQ(D(".5").ToString(), "0.5");
  EXPECT_EQ(D("5.").ToString(), "5");
  EXPECT_EQ(D("007.10").ToString(), "7.10");
  EXPECT_EQ(D("0").ToString(), "0");
  EXPECT_EQ(D("1.").scale(), 0);
  EXPECT_EQ(D("1.230").scale(), 3);
}

TEST(DecimalTest, NegativeZeroHasNoSign) {
  Decimal z = D("-0.00");
  EXPECT_EQ(z.ToString(), "0.00");
  EXPECT_TRUE(z.is_zero());
  EXPECT_FALSE(z.negative());
  EXPECT_EQ(D("0.00-").ToString(), "0.00");
}

TEST(DecimalTest, RejectsWhatIsNotANumber) {
  for (const char* bad : {"",    "   ", "-",   "+",   ".",  "-.",    "1,000", "1 000", "1e5", "abc", "0x10",
                          "--5", "+-5", "-5-", "+5-", "5+", "1.2.3", "- 5",   "5 -",   "inf", "NaN", "12a"}) {
    EXPECT_FALSE(Decimal::Parse(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(DecimalTest, ParseLimitsDigitsAndScale) {
  EXPECT_EQ(D(k38Nines).ToString(), k38Nines);
  EXPECT_EQ(D("-" + k38Nines).ToString(), "-" + k38Nines);
  EXPECT_FALSE(Decimal::Parse(k38Nines + "9").has_value());
  EXPECT_EQ(D("000" + k38Nines).ToString(), k38Nines);  // leading zeros are not significant
  EXPECT_EQ(D("12345678.123456789012345678901234567890").scale(), 30);
  EXPECT_FALSE(Decimal::Parse("123456789.123456789012345678901234567890").has_value());  // 39 digits

  std::string scale30 = "0." + std::string(29, '0') + "1";
  EXPECT_EQ(D(scale30).ToString(), scale30);
  EXPECT_FALSE(Decimal::Parse("0." + std::string(30, '0') + "1").has_value());
}

TEST(DecimalTest, FormatsWithoutExponent) {
  EXPECT_EQ(Decimal().ToString(), "0");
  EXPECT_EQ(Decimal::FromInt(-42).ToString(), "-42");
  EXPECT_EQ(Decimal::FromInt(std::numeric_limits<int64_t>::min()).ToString(), "-9223372036854775808");
  EXPECT_EQ(D("0.000").ToString(), "0.000");
  EXPECT_EQ(D("0.0000001").ToString(), "0.0000001");
  EXPECT_EQ(D("100000000000000000000").ToString(), "100000000000000000000");
}

TEST(DecimalTest, AddAndSubAreExact) {
  auto sum = D("0.1").Add(D("0.2"));
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->ToString(), "0.3");
  EXPECT_EQ(sum->Compare(D("0.3")), 0);
  EXPECT_EQ(DecimalText(D("1.5").Add(D("2.25"))), "3.75");
  EXPECT_EQ(DecimalText(D("2500.00-").Add(D("2500"))), "0.00");
  EXPECT_EQ(DecimalText(D("1").Sub(D("1.50"))), "-0.50");
  EXPECT_EQ(DecimalText(D("-1").Sub(D("-3"))), "2");
  // Aligning 180000000 to scale 30 needs more than 128 bits, the result does not.
  EXPECT_EQ(DecimalText(D("180000000").Add(D("-99999999." + std::string(30, '9')))),
            "80000000." + std::string(29, '0') + "1");
}

TEST(DecimalTest, AddAndSubDetectOverflow) {
  ExpectOverflow(D(k38Nines).Add(D("1")));
  ExpectOverflow(D("-" + k38Nines).Sub(D("1")));
  ExpectOverflow(D("10000000000000000000000000000000000000").Add(D("0.1")));  // needs 39 digits
  EXPECT_EQ(DecimalText(D(k38Nines).Sub(D(k38Nines))), "0");
}

TEST(DecimalTest, MulAddsScales) {
  EXPECT_EQ(DecimalText(D("1.5").Mul(D("2.5"))), "3.75");
  EXPECT_EQ(DecimalText(D("1.50").Mul(D("2"))), "3.00");
  EXPECT_EQ(DecimalText(D("-2").Mul(D("0.5"))), "-1.0");
  EXPECT_EQ(DecimalText(D("-2").Mul(D("-0.5"))), "1.0");
  EXPECT_EQ(DecimalText(D("0.00").Mul(D("-7"))), "0.00");
}

TEST(DecimalTest, MulRoundsBeyondThirtyPlaces) {
  // 1e-15 * 1.5e-15 = 1.5e-30 at scale 31: half away from zero.
  EXPECT_EQ(DecimalText(D("0.000000000000001").Mul(D("0.0000000000000015"))), "0." + std::string(29, '0') + "2");
  EXPECT_EQ(DecimalText(D("-0.000000000000001").Mul(D("0.0000000000000015"))), "-0." + std::string(29, '0') + "2");
  EXPECT_EQ(DecimalText(D("0.000000000000001").Mul(D("0.0000000000000014"))), "0." + std::string(29, '0') + "1");
  EXPECT_EQ(DecimalText(D("0.00000000000000000001").Mul(D("0.00000000000000000004"))), "0." + std::string(30, '0'));
  // The exact product (10^60 at scale 60) does not fit 128 bits; the result does.
  std::string one30 = "1." + std::string(30, '0');
  EXPECT_EQ(DecimalText(D(one30).Mul(D(one30))), one30);
}

TEST(DecimalTest, MulDetectsOverflow) {
  EXPECT_EQ(DecimalText(D("10000000000000000000").Mul(D("1000000000000000000"))), "1" + std::string(37, '0'));
  ExpectOverflow(D("10000000000000000000").Mul(D("10000000000000000000")));
  ExpectOverflow(D(k38Nines).Mul(D("-" + k38Nines)));
}

TEST(DecimalTest, DivKeepsTenPlacesThenTrims) {
  EXPECT_EQ(DecimalText(D("10").Div(D("3"))), "3.3333333333");
  EXPECT_EQ(DecimalText(D("2").Div(D("3"))), "0.6666666667");
  EXPECT_EQ(DecimalText(D("-2").Div(D("3"))), "-0.6666666667");
  EXPECT_EQ(DecimalText(D("2").Div(D("-3"))), "-0.6666666667");
  EXPECT_EQ(DecimalText(D("1.00").Div(D("4"))), "0.25");
  EXPECT_EQ(DecimalText(D("7.50").Div(D("2.5"))), "3.00");
  EXPECT_EQ(DecimalText(D("1").Div(D("4"))), "0.25");
  EXPECT_EQ(DecimalText(D("1").Div(D("8"))), "0.125");
  EXPECT_EQ(DecimalText(D("10").Div(D("2"))), "5");
  EXPECT_EQ(DecimalText(D("1").Div(D("0.5"))), "2.0");
  EXPECT_EQ(DecimalText(D("0").Div(D("5"))), "0");
  // Exactly half at the 11th place rounds away from zero.
  EXPECT_EQ(DecimalText(D("0.00000000005").Div(D("1"))), "0.0000000001");
  EXPECT_EQ(DecimalText(D("-0.00000000005").Div(D("1"))), "-0.0000000001");
  // Inputs finer than ten places: the quotient still has ten.
  EXPECT_EQ(DecimalText(D("123.000000000000000000000000000000").Div(D("4"))), "30.7500000000");
  EXPECT_EQ(DecimalText(D("0.000000000000000000000000000003").Div(D("0.000000000000000000000000000002"))),
            "1.5000000000");
}

TEST(DecimalTest, DivByZeroAndOverflow) {
  for (const char* zero : {"0", "0.00", "-0"}) {
    auto r = D("1").Div(D(zero));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "division by zero");
  }
  ExpectOverflow(D("1" + std::string(37, '0')).Div(D("0.1")));
  ExpectOverflow(D(k38Nines).Div(D("0.000000000000000000000000000001")));
}

TEST(DecimalTest, RoundsHalfAwayFromZero) {
  EXPECT_EQ(D("-2.345").Round(2).ToString(), "-2.35");
  EXPECT_EQ(D("2.345").Round(2).ToString(), "2.35");
  EXPECT_EQ(D("2.344").Round(2).ToString(), "2.34");
  EXPECT_EQ(D("-2.344").Round(2).ToString(), "-2.34");
  EXPECT_EQ(D("2.5").Round(0).ToString(), "3");
  EXPECT_EQ(D("-2.5").Round(0).ToString(), "-3");
  EXPECT_EQ(D("-0.4").Round(0).ToString(), "0");
  EXPECT_EQ(D("9.999").Round(2).ToString(), "10.00");
  EXPECT_EQ(D("1.5").Round(3).ToString(), "1.5");  // never adds places
  EXPECT_EQ(D("1.5").Round(-1).ToString(), "2");
  EXPECT_EQ(D(std::string(37, '9') + ".9").Round(0).ToString(), "1" + std::string(37, '0'));
}

TEST(DecimalTest, AbsAndCompare) {
  EXPECT_EQ(D("2500.00-").Abs().ToString(), "2500.00");
  EXPECT_EQ(D("3.1").Abs().ToString(), "3.1");
  EXPECT_EQ(D("1.0").Compare(D("1.00")), 0);
  EXPECT_EQ(D("0").Compare(D("-0.00")), 0);
  EXPECT_EQ(D("-1").Compare(D("0.5")), -1);
  EXPECT_EQ(D("0.5").Compare(D("-1")), 1);
  EXPECT_EQ(D("-2").Compare(D("-1.5")), -1);
  EXPECT_EQ(D("10").Compare(D("9.99")), 1);
  EXPECT_EQ(D("0.1").Compare(D("0.10000000000000000001")), -1);
  EXPECT_EQ(D(k38Nines).Compare(D("0." + std::string(29, '0') + "1")), 1);
}

}  // namespace
}  // namespace ferry::flows
