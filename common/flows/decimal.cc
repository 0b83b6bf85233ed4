#include "common/flows/decimal.h"

#include <algorithm>
#include <array>

namespace ferry::flows {
namespace {

using u128 = unsigned __int128;

constexpr u128 Pow10(int n) {
  u128 r = 1;
  while (n-- > 0) r *= 10;
  return r;
}

constexpr u128 kMantissaLimit = Pow10(Decimal::kMaxDigits);

u128 Magnitude(__int128 m) { return m < 0 ? -static_cast<u128>(m) : static_cast<u128>(m); }

Status Overflow() { return Status::InvalidArgument("decimal overflow"); }

// Unsigned integer wide enough for every intermediate, so that a result is
// only an overflow when the result itself does not fit. The largest is in Div:
// a 38-digit mantissa times 10^40 is below 2^260.
class Wide {
 public:
  Wide() = default;
  explicit Wide(u128 v) {
    limb_[0] = static_cast<uint64_t>(v);
    limb_[1] = static_cast<uint64_t>(v >> 64);
  }

  static Wide Product(u128 a, u128 b) {
    const uint64_t x[2] = {static_cast<uint64_t>(a), static_cast<uint64_t>(a >> 64)};
    const uint64_t y[2] = {static_cast<uint64_t>(b), static_cast<uint64_t>(b >> 64)};
    Wide r;
    for (int i = 0; i < 2; ++i) {
      u128 carry = 0;
      for (int j = 0; j < 2; ++j) {
        u128 cur = static_cast<u128>(x[i]) * y[j] + r.limb_[i + j] + carry;
        r.limb_[i + j] = static_cast<uint64_t>(cur);
        carry = cur >> 64;
      }
      r.limb_[i + 2] = static_cast<uint64_t>(carry);
    }
    return r;
  }

  void MulPow10(int n) {
    while (n > 0) {
      int k = std::min(n, 19);  // 10^19 still fits a 64-bit limb
      MulSmall(static_cast<uint64_t>(Pow10(k)));
      n -= k;
    }
  }

  // Divides in place by 10^n and returns the last digit dropped, which is all
  // that rounding half away from zero needs (the rest is >= .5 iff it is >= 5).
  int DivPow10(int n) {
    int digit = 0;
    while (n > 1) {
      int k = std::min(n - 1, 19);
      DivSmall(static_cast<uint64_t>(Pow10(k)));
      n -= k;
    }
    if (n == 1) digit = static_cast<int>(DivSmall(10));
    return digit;
  }

  void Add(const Wide& o) {
    u128 carry = 0;
    for (size_t i = 0; i < kLimbs; ++i) {
      u128 cur = static_cast<u128>(limb_[i]) + o.limb_[i] + carry;
      limb_[i] = static_cast<uint64_t>(cur);
      carry = cur >> 64;
    }
  }

  // Requires *this >= o.
  void Sub(const Wide& o) {
    uint64_t borrow = 0;
    for (size_t i = 0; i < kLimbs; ++i) {
      uint64_t d = limb_[i] - o.limb_[i] - borrow;
      borrow = (limb_[i] < o.limb_[i] || (limb_[i] == o.limb_[i] && borrow)) ? 1 : 0;
      limb_[i] = d;
    }
  }

  int Compare(const Wide& o) const {
    for (size_t i = kLimbs; i-- > 0;) {
      if (limb_[i] != o.limb_[i]) return limb_[i] < o.limb_[i] ? -1 : 1;
    }
    return 0;
  }

  void ShiftLeft1() {
    for (size_t i = kLimbs; i-- > 1;) limb_[i] = (limb_[i] << 1) | (limb_[i - 1] >> 63);
    limb_[0] <<= 1;
  }

  // Schoolbook binary long division; the operands are small enough that the
  // bit loop costs microseconds and needs no normalisation tricks.
  static void DivMod(const Wide& n, const Wide& d, Wide* q, Wide* r) {
    *q = Wide();
    *r = Wide();
    for (int bit = static_cast<int>(kLimbs) * 64 - 1; bit >= 0; --bit) {
      r->ShiftLeft1();
      r->limb_[0] |= (n.limb_[bit / 64] >> (bit % 64)) & 1;
      if (r->Compare(d) >= 0) {
        r->Sub(d);
        q->limb_[bit / 64] |= uint64_t{1} << (bit % 64);
      }
    }
  }

  // The signed mantissa, or nullopt when the magnitude has more than
  // kMaxDigits digits.
  std::optional<__int128> ToMantissa(bool negative) const {
    for (size_t i = 2; i < kLimbs; ++i) {
      if (limb_[i] != 0) return std::nullopt;
    }
    u128 v = (static_cast<u128>(limb_[1]) << 64) | limb_[0];
    if (v >= kMantissaLimit) return std::nullopt;
    auto m = static_cast<__int128>(v);
    return negative ? -m : m;
  }

 private:
  static constexpr size_t kLimbs = 5;

  void MulSmall(uint64_t m) {
    u128 carry = 0;
    for (size_t i = 0; i < kLimbs; ++i) {
      u128 cur = static_cast<u128>(limb_[i]) * m + carry;
      limb_[i] = static_cast<uint64_t>(cur);
      carry = cur >> 64;
    }
  }

  uint64_t DivSmall(uint64_t d) {
    u128 rem = 0;
    for (size_t i = kLimbs; i-- > 0;) {
      u128 cur = (rem << 64) | limb_[i];
      limb_[i] = static_cast<uint64_t>(cur / d);
      rem = cur % d;
    }
    return static_cast<uint64_t>(rem);
  }

  std::array<uint64_t, kLimbs> limb_{};
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

int Sign(__int128 m) { return (m > 0) - (m < 0); }

}  // namespace

std::optional<Decimal> Decimal::Parse(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);

  bool negative = false;
  bool has_sign = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    has_sign = true;
    text.remove_prefix(1);
  }
  // SAP writes negative amounts with the minus behind the digits.
  if (!text.empty() && text.back() == '-') {
    if (has_sign) return std::nullopt;
    negative = true;
    text.remove_suffix(1);
  }

  u128 mantissa = 0;
  int significant = 0;
  int scale = 0;
  bool any_digit = false;
  bool seen_dot = false;
  for (char c : text) {
    if (c == '.') {
      if (seen_dot) return std::nullopt;
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any_digit = true;
    if (seen_dot && ++scale > kMaxScale) return std::nullopt;
    if (mantissa == 0 && c == '0') continue;  // a leading zero is not significant
    if (++significant > kMaxDigits) return std::nullopt;
    mantissa = mantissa * 10 + static_cast<unsigned>(c - '0');
  }
  if (!any_digit) return std::nullopt;
  auto m = static_cast<__int128>(mantissa);
  return Decimal(negative ? -m : m, scale);
}

Decimal Decimal::FromInt(int64_t v) { return Decimal(v, 0); }

std::string Decimal::ToString() const {
  u128 u = Magnitude(mantissa_);
  std::string digits;  // least significant first
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  while (digits.size() <= static_cast<size_t>(scale_)) digits.push_back('0');
  std::string out;
  if (mantissa_ < 0) out.push_back('-');
  for (size_t i = digits.size(); i-- > 0;) {
    out.push_back(digits[i]);
    if (i == static_cast<size_t>(scale_) && scale_ > 0) out.push_back('.');
  }
  return out;
}

Result<Decimal> Decimal::Add(const Decimal& other) const {
  int scale = std::max(scale_, other.scale_);
  Wide x(Magnitude(mantissa_));
  Wide y(Magnitude(other.mantissa_));
  x.MulPow10(scale - scale_);
  y.MulPow10(scale - other.scale_);
  bool x_negative = mantissa_ < 0;
  bool y_negative = other.mantissa_ < 0;
  bool negative = x_negative;
  if (x_negative == y_negative) {
    x.Add(y);
  } else if (x.Compare(y) >= 0) {
    x.Sub(y);
  } else {
    y.Sub(x);
    x = y;
    negative = y_negative;
  }
  std::optional<__int128> m = x.ToMantissa(negative);
  if (!m) return Overflow();
  return Decimal(*m, scale);
}

Result<Decimal> Decimal::Sub(const Decimal& other) const { return Add(Decimal(-other.mantissa_, other.scale_)); }

Result<Decimal> Decimal::Mul(const Decimal& other) const {
  Wide p = Wide::Product(Magnitude(mantissa_), Magnitude(other.mantissa_));
  int scale = scale_ + other.scale_;
  if (scale > kMaxScale) {
    if (p.DivPow10(scale - kMaxScale) >= 5) p.Add(Wide(1));
    scale = kMaxScale;
  }
  std::optional<__int128> m = p.ToMantissa((mantissa_ < 0) != (other.mantissa_ < 0));
  if (!m) return Overflow();
  return Decimal(*m, scale);
}

Result<Decimal> Decimal::Div(const Decimal& other) const {
  if (other.is_zero()) return Status::InvalidArgument("division by zero");
  // q * 10^kDivPlaces = (a.m / b.m) * 10^(kDivPlaces + b.scale - a.scale).
  int exponent = kDivPlaces + other.scale_ - scale_;
  Wide n(Magnitude(mantissa_));
  Wide d(Magnitude(other.mantissa_));
  if (exponent >= 0) {
    n.MulPow10(exponent);
  } else {
    d.MulPow10(-exponent);
  }
  Wide q;
  Wide r;
  Wide::DivMod(n, d, &q, &r);
  r.ShiftLeft1();
  if (r.Compare(d) >= 0) q.Add(Wide(1));  // remainder >= half: away from zero

  std::optional<__int128> m = q.ToMantissa((mantissa_ < 0) != (other.mantissa_ < 0));
  if (!m) return Overflow();
  int scale = kDivPlaces;
  int keep = std::max(scale_, other.scale_);
  while (scale > keep && *m % 10 == 0) {
    *m /= 10;
    --scale;
  }
  return Decimal(*m, scale);
}

Decimal Decimal::Round(int places) const {
  places = std::max(places, 0);
  if (places >= scale_) return *this;
  u128 t = Magnitude(mantissa_) / Pow10(scale_ - places - 1);
  u128 rounded = t / 10 + (t % 10 >= 5 ? 1 : 0);
  auto m = static_cast<__int128>(rounded);
  return Decimal(mantissa_ < 0 ? -m : m, places);
}

Decimal Decimal::Abs() const { return Decimal(mantissa_ < 0 ? -mantissa_ : mantissa_, scale_); }

int Decimal::Compare(const Decimal& other) const {
  int sign = Sign(mantissa_);
  int other_sign = Sign(other.mantissa_);
  if (sign != other_sign) return sign < other_sign ? -1 : 1;
  int scale = std::max(scale_, other.scale_);
  Wide x(Magnitude(mantissa_));
  Wide y(Magnitude(other.mantissa_));
  x.MulPow10(scale - scale_);
  y.MulPow10(scale - other.scale_);
  return sign < 0 ? -x.Compare(y) : x.Compare(y);
}

}  // namespace ferry::flows
