#include "reports/ns_names.hpp"

namespace nsleak::reports {

NsNames::NsNames(const verdict::RunReport& r) {
  for (const auto& ev : r.record.events) {
    const std::string as = ev.value("as", std::string());
    const std::string id = ev.contains("id") ? ev.value("id", std::string()) : ev.value("child_ns", std::string());
    if (!as.empty() && !id.empty() && !names_.count(id)) names_[id] = as;
  }
  // "origin" wins: `get as: mainNs` at the start names the same namespace.
  for (const auto& id : r.analysis.origins)
    if (!id.empty()) names_[id] = "origin";
}

std::string NsNames::name(const std::string& id) const {
  auto it = names_.find(id);
  return it == names_.end() ? std::string() : it->second;
}

std::string NsNames::show(const std::string& id) const {
  const std::string n = name(id);
  return "NS(" + id + ")" + (n.empty() ? "" : " " + n);
}

std::string NsNames::annotate(std::string text) const {
  for (const auto& [id, name] : names_) {
    std::string out;
    std::size_t pos = 0, hit;
    while ((hit = text.find(id, pos)) != std::string::npos) {
      out += text.substr(pos, hit - pos) + id + " (" + name + ")";
      pos = hit + id.size();
    }
    text = out + text.substr(pos);
  }
  return text;
}

std::vector<os::StateKind> kinds_seen(const verdict::Analysis& a) {
  std::vector<os::StateKind> kinds;
  for (auto k : os::kAllKinds)
    if (k == verdict::kPrimaryKind || !a.origins[os::index(k)].empty()) kinds.push_back(k);
  return kinds;
}

bool at_origin(const nlohmann::json& values, const verdict::KindValues& origins) {
  for (auto k : os::kAllKinds) {
    const std::string v = values.is_object() ? values.value(os::kind_name(k), std::string()) : std::string();
    if (k == verdict::kPrimaryKind ? v != origins[os::index(k)] : !v.empty() && v != origins[os::index(k)])
      return false;
  }
  return true;
}

}  // namespace nsleak::reports
