#pragma once
// Exact decimal numbers for the flow mapping engine.
//
// SAP amounts and quantities arrive as text ("2500.00-") and must reach the
// CRM with exactly the digits SAP sent, so a Decimal is an integer mantissa
// and a decimal scale (value = mantissa * 10^-scale) and never passes through
// binary floating point. The scale is kept: 2500.00 prints as "2500.00".
//
// Limits: at most 38 significant digits, scale at most 30. Any operation whose
// exact (or rounded, where stated) result does not fit returns
// InvalidArgument("decimal overflow").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry::flows {

class Decimal {
 public:
  static constexpr int kMaxDigits = 38;
  static constexpr int kMaxScale = 30;
  // Places kept by Div before trailing zeros are removed.
  static constexpr int kDivPlaces = 10;

  Decimal() = default;  // 0, scale 0

  // Accepts surrounding whitespace, one optional sign: a leading '+' or '-',
  // or SAP's trailing minus ("2500.00-"), then digits with an optional '.'
  // fraction (".5" and "5." are accepted). Returns nullopt for anything else:
  // empty, a sign alone, thousands separators, exponents, two signs, more than
  // kMaxDigits significant digits or more than kMaxScale fraction digits.
  static std::optional<Decimal> Parse(std::string_view text);
  static Decimal FromInt(int64_t v);

  // Plain notation keeping the scale ("2500.00", "-0.5"); never an exponent.
  // Zero has no sign ("-0.00" parses and prints as "0.00").
  std::string ToString() const;

  int scale() const { return scale_; }
  bool is_zero() const { return mantissa_ == 0; }
  bool negative() const { return mantissa_ < 0; }

  // Exact; the result scale is the larger of the two scales.
  Result<Decimal> Add(const Decimal& other) const;
  Result<Decimal> Sub(const Decimal& other) const;
  // The result scale is the sum of the scales; above kMaxScale the product is
  // rounded half away from zero to kMaxScale places.
  Result<Decimal> Mul(const Decimal& other) const;
  // The quotient rounded half away from zero to kDivPlaces places, then
  // trailing zeros removed while the scale exceeds the larger input scale
  // (1.00 / 4 = 0.25, 7.50 / 2.5 = 3.00, 10 / 3 = 3.3333333333).
  // InvalidArgument("division by zero") when other is zero.
  Result<Decimal> Div(const Decimal& other) const;

  // Rounded half away from zero to `places` (negative counts as 0); unchanged
  // when places >= scale(). Cannot overflow.
  Decimal Round(int places) const;
  Decimal Abs() const;
  // -1, 0 or 1 by numeric value: 1.0 and 1.00 compare equal.
  int Compare(const Decimal& other) const;

 private:
  Decimal(__int128 mantissa, int scale) : mantissa_(mantissa), scale_(scale) {}

  // Invariant: |mantissa_| < 10^kMaxDigits and 0 <= scale_ <= kMaxScale, so
  // negation never overflows and every value fits the Parse grammar.
  __int128 mantissa_ = 0;
  int scale_ = 0;
};

}  // namespace ferry::flows
