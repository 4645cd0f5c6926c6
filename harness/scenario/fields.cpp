#include "harness/scenario/fields.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "harness/scenario/did_you_mean.hpp"
#include "harness/scenario/parser.hpp"
#include "harness/scenario/quote.hpp"

namespace nsleak::scenario {
namespace {

[[noreturn]] void expected(const JsonNode& v, const std::string& what, const std::string& type) {
  throw ParseError(v.loc(), what + " must be " + type + ", found " + v.describe());
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// True when the value is a number nlohmann could only hold as a double although it was written
// as a whole number: 99999999999999999999 or 1e30. That is a range error, not a type error.
bool is_huge_whole_number(const Json& j) {
  if (!j.is_number_float()) return false;
  const double d = j.get<double>();
  constexpr double kTwoTo63 = 9223372036854775808.0;
  return std::trunc(d) == d && (d >= kTwoTo63 || d < -kTwoTo63);
}

// The value of an integer that fits in 64 signed bits.
std::optional<std::int64_t> as_int64(const Json& j) {
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return {};
    return static_cast<std::int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  return {};
}

}  // namespace

std::string key_name(std::string_view key) { return quote(key); }

void check_keys(const JsonNode& object, const std::string& context,
                const std::vector<std::string>& allowed, const std::vector<std::string>& required) {
  for (const auto& [key, value] : object.members())
    if (!contains(allowed, key))
      throw ParseError(value.key_loc(), "unknown key " + quote(key) + " in " + context +
                                            unknown_name_hint(key, allowed));
  for (const auto& key : required)
    if (!object.has(key))
      throw ParseError(object.loc(), "missing required key " + quote(key) + " in " + context);
}

void require_object(const JsonNode& v, const std::string& what) {
  if (!v.json().is_object()) expected(v, what, "an object");
}

void require_array(const JsonNode& v, const std::string& what) {
  if (!v.json().is_array()) expected(v, what, "an array");
}

std::string read_string(const JsonNode& v, const std::string& what) {
  if (!v.json().is_string()) expected(v, what, "a string");
  return v.json().get<std::string>();
}

bool read_bool(const JsonNode& v, const std::string& what) {
  if (!v.json().is_boolean()) expected(v, what, "true or false");
  return v.json().get<bool>();
}

std::int64_t read_integer(const JsonNode& v, const std::string& what, std::int64_t lo,
                          std::int64_t hi) {
  const Json& j = v.json();
  if (const auto n = as_int64(j); n && *n >= lo && *n <= hi) return *n;
  if (j.is_number_integer() || is_huge_whole_number(j))
    throw ParseError(v.loc(), what + " must be between " + std::to_string(lo) + " and " +
                                  std::to_string(hi) + ", found " + v.describe());
  expected(v, what, "an integer");
}

bool is_identifier(std::string_view s) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.empty() || !letter(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return letter(c) || digit(c) || c == '-'; });
}

bool has_local_mark(std::string_view s) { return s.find(kLocalMark) != std::string_view::npos; }

bool is_local_name(std::string_view s) {
  std::string t(s);
  for (std::size_t at; (at = t.find(kLocalMark)) != std::string::npos;) t.replace(at, 2, "1");
  return is_identifier(t);
}

std::string read_identifier(const JsonNode& v, const std::string& what) {
  std::string s = read_string(v, what);
  if (!is_identifier(s))
    throw ParseError(v.loc(), what + " must be a name matching " + kIdentifierSyntax + ", found " +
                                  v.describe());
  return s;
}

std::string read_choice(const JsonNode& v, const std::string& what, const std::string& kind,
                        const std::vector<std::string>& choices) {
  std::string s = read_string(v, what);
  if (!contains(choices, s))
    throw ParseError(v.loc(), "unknown " + kind + " " + quote(s) + unknown_name_hint(s, choices));
  return s;
}

}  // namespace nsleak::scenario
