#include "reports/ns_names.hpp"

namespace nsleak::reports {

NsNames::NsNames(const verdict::RunReport& r) {
  for (const auto& ev : r.record.events) {
    const std::string as = ev.value("as", std::string());
    const std::string id = ev.contains("id") ? ev.value("id", std::string()) : ev.value("child_ns", std::string());
    if (!as.empty() && !id.empty() && !names_.count(id)) names_[id] = as;
  }
  // "origin" wins: `get as: mainNs` at the start names the same namespace.
  for (const auto& id : {r.analysis.origin, r.analysis.origin_uts})
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

}  // namespace nsleak::reports
