// JSON with positions: a nlohmann DOM plus where each value and key starts in the text.
//
// nlohmann_json 3.11 keeps no positions in its DOM, so the document is built here from its SAX
// events, and a side table maps each value's JSON pointer to the offset of its first character.
// Parsing also rejects what nlohmann accepts silently or reports without a usable position:
// duplicate keys (it keeps the last), bytes that are not UTF-8, NUL bytes, empty input, deep
// nesting.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "harness/scenario/scenario.hpp"
#include "harness/scenario/text_position.hpp"

namespace nsleak::scenario {

// ordered_json keeps object members in file order: "expect" order and "first error in the
// file" both depend on it.
using Json = nlohmann::ordered_json;

// Arrays and objects nested deeper than this are rejected, which bounds the recursion of
// everything that walks the document.
inline constexpr std::size_t kMaxJsonNesting = 128;

class LocatedJson;

// A value inside a LocatedJson, able to say where it is. Cheap to copy; valid while the
// LocatedJson lives.
class JsonNode {
 public:
  const Json& json() const { return *value_; }
  Location loc() const;      // the value's first character
  Location key_loc() const;  // the key naming this value in its object; loc() for others

  bool has(const std::string& key) const;
  JsonNode member(const std::string& key) const;                  // requires has(key)
  std::vector<std::pair<std::string, JsonNode>> members() const;  // objects, in file order
  std::vector<JsonNode> elements() const;                         // arrays

  // What the value is, for "expected X, found Y" messages: `string "two"`, `number 2.5`
  // (numbers as written), `boolean true`, `null`, `array`, `object`.
  std::string describe() const;

 private:
  friend class LocatedJson;
  JsonNode(const LocatedJson& doc, const Json& value, std::string pointer)
      : doc_(&doc), value_(&value), pointer_(std::move(pointer)) {}
  JsonNode child(const Json& value, const std::string& token) const;

  const LocatedJson* doc_;
  const Json* value_;
  std::string pointer_;  // RFC 6901 JSON pointer of this value
};

class LocatedJson {
 public:
  // Parses `text` (JSON with comments) from `file`; throws ParseError at the offending byte.
  // `text` must outlive this object.
  LocatedJson(std::string_view text, const std::string& file);
  LocatedJson(const LocatedJson&) = delete;
  LocatedJson& operator=(const LocatedJson&) = delete;

  JsonNode root() const { return JsonNode(*this, root_, ""); }

 private:
  friend class JsonNode;
  class Builder;  // the SAX handler that fills root_ and the offset tables

  void reject_bad_bytes() const;
  void reject_empty() const;

  std::string_view text_;
  TextPositions positions_;
  Json root_;
  std::unordered_map<std::string, std::size_t> value_offsets_;  // pointer -> first character
  std::unordered_map<std::string, std::size_t> key_offsets_;    // member pointer -> its key
};

}  // namespace nsleak::scenario
