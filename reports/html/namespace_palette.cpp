#include "reports/html/namespace_palette.hpp"

#include <cmath>
#include <cstdio>
#include <iterator>


namespace nsleak::reports::timeline {
namespace {

std::string hex(Rgb c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<int>(std::lround(c.r)),
                static_cast<int>(std::lround(c.g)), static_cast<int>(std::lround(c.b)));
  return buf;
}

Rgb towards_white(Rgb c, double f) { return {c.r + (255 - c.r) * f, c.g + (255 - c.g) * f, c.b + (255 - c.b) * f}; }

// Okabe–Ito first (distinguishable with the common colour-vision deficiencies), yellow last as
// it is weakest on white; past seven namespaces, golden-angle hues.
Rgb strong_colour(std::size_t i) {
  static const Rgb okabe_ito[] = {{0xE6, 0x9F, 0x00}, {0x56, 0xB4, 0xE9}, {0x00, 0x9E, 0x73}, {0xCC, 0x79, 0xA7},
                                  {0x00, 0x72, 0xB2}, {0xD5, 0x5E, 0x00}, {0xF0, 0xE4, 0x42}};
  if (i < std::size(okabe_ito)) return okabe_ito[i];
  const double h = std::fmod(static_cast<double>(i) * 137.508, 360.0) / 60.0;
  const double s = 0.55, l = 0.5;
  const double c = (1 - std::fabs(2 * l - 1)) * s, x = c * (1 - std::fabs(std::fmod(h, 2.0) - 1)), m = l - c / 2;
  const int sector = static_cast<int>(h);
  const double rgb[6][3] = {{c, x, 0}, {x, c, 0}, {0, c, x}, {0, x, c}, {x, 0, c}, {c, 0, x}};
  return {(rgb[sector][0] + m) * 255, (rgb[sector][1] + m) * 255, (rgb[sector][2] + m) * 255};
}

const Rgb kOriginStrong{0x9e, 0x9e, 0x9e};

}  // namespace

Namespaces::Namespaces(const RunView& v) : origin_(v.r.analysis.origin) {
  for (const auto k : v.kinds) see(origin_.value[k], k);
  for (const auto& ev : v.r.record.events) {
    for (const auto& row : ev.tasks)
      for (const auto k : v.kinds)
        if (row.has(k)) see(row.state[k], k);
    for (const auto& s : ev.states) see(s.now, s.kind);
    if (const auto* op = ev.as<trace::Op>(); op != nullptr && v.names.op(op->op) != nullptr &&
                                             v.names.op(op->op)->kind == scenario::OpKind::Exec)
      see(op->value, op->kind);  // the exec'd child's namespace
  }
  for (auto& e : entries_) e.name = v.ns.name(e.id);
}

std::string Namespaces::stroke(const trace::StateValue& id) const { return hex(colour(id)); }

std::string Namespaces::fill(const trace::StateValue& id) const { return hex(towards_white(colour(id), 0.55)); }

void Namespaces::see(const trace::StateValue& id, trace::KindIndex kind) {
  if (!id.valid() || index_.count(id)) return;
  Entry e{id, kind, "", origin_.has(kind) && origin_.value[kind] == id, kOriginStrong};
  if (!e.origin) e.colour = strong_colour(coloured_++);
  index_[id] = entries_.size();
  entries_.push_back(e);
}

Rgb Namespaces::colour(const trace::StateValue& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? kOriginStrong : entries_[it->second].colour;
}

}  // namespace nsleak::reports::timeline
