// The report of an exploration (harness/explore): text, JSON and JSON lines. Sentences come
// from prose.cpp; this file lays them out.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/explore/explorer.hpp"

namespace nsleak::reports {

// `replay_prefix`: the command that replays a token, without the token ("nsleak replay F").
std::string explore_text(const explore::ExploreResult& r, const std::string& replay_prefix);
nlohmann::json explore_json(const explore::ExploreResult& r, const std::string& replay_prefix);
nlohmann::json class_json(const explore::ClassResult& c, const std::string& replay_prefix);
// A class as first found, before confirmation and shrinking (`--format jsonl` streams these).
nlohmann::json found_json(const explore::ExploreOptions::ClassFound& c, const std::string& replay_prefix);
// "complete: every schedule within bound 2 — 153 run, 12 pruned", or the coverage when not.
std::string coverage_line(const explore::ExploreResult& r);

}  // namespace nsleak::reports
