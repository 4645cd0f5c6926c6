// Typed, located reading of JSON values for the scenario parser. Every failure is a ParseError
// at the offending value that says what was expected and what was found.
//
// `what` arguments name the value in messages, already quoted where it is a key: `"procs"`,
// `verdict`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/located_json.hpp"

namespace nsleak::scenario {

// `"key"`: how a key is named in messages.
std::string key_name(std::string_view key);

// Unknown keys first (in file order, with a suggestion), then the first missing required key
// (located at the object). `context` names the object: `scenario`, `"setns" op`.
void check_keys(const JsonNode& object, const std::string& context,
                const std::vector<std::string>& allowed, const std::vector<std::string>& required);

void require_object(const JsonNode& v, const std::string& what);
void require_array(const JsonNode& v, const std::string& what);

std::string read_string(const JsonNode& v, const std::string& what);
bool read_bool(const JsonNode& v, const std::string& what);
// An integer in [lo, hi]. A fraction is a type error; a literal beyond 64 bits is out of range.
std::int64_t read_integer(const JsonNode& v, const std::string& what, std::int64_t lo,
                          std::int64_t hi);

// Names of functions, channels, wait groups and namespaces: [A-Za-z_][A-Za-z0-9_-]*.
bool is_identifier(std::string_view s);
inline constexpr const char* kIdentifierSyntax = "[A-Za-z_][A-Za-z0-9_-]*";
std::string read_identifier(const JsonNode& v, const std::string& what);
// A goroutine-local name: an identifier in which "$i" may stand for the spawn occurrence of
// the goroutine running it ("ns$i": ns1, ns2, ... for do#1, do#2, ...).
inline constexpr const char* kLocalMark = "$i";
bool is_local_name(std::string_view s);  // an identifier once each "$i" is a number
bool has_local_mark(std::string_view s);

// A string that must be one of `choices`; else `unknown <kind> "x"` with a suggestion.
std::string read_choice(const JsonNode& v, const std::string& what, const std::string& kind,
                        const std::vector<std::string>& choices);

}  // namespace nsleak::scenario
