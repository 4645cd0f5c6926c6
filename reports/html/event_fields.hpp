// Reading the trace's events for the timeline page. The trace comes from our own runtime, but
// a crashed or timed-out child can leave events half-written: read fields without trusting
// their type, so a surprise draws an empty label instead of throwing halfway through a page.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace nsleak::reports::timeline {

using nlohmann::json;

inline std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline long num(const json& j, const char* key, long def = -1) {
  if (!j.is_object()) return def;
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<long>() : def;
}

inline bool flag(const json& j, const char* key) {
  if (!j.is_object()) return false;
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

inline const json& field(const json& j, const char* key) {
  static const json none;
  if (!j.is_object()) return none;
  const auto it = j.find(key);
  return it == j.end() ? none : *it;
}

// The namespace of `kind` ("net", "uts") an op ran in.
inline std::string ns_of(const json& ev, const char* kind) { return str(field(ev, "ns"), kind); }

}  // namespace nsleak::reports::timeline
