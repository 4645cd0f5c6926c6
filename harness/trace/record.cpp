#include "harness/trace/record.hpp"

#include <algorithm>

#include "harness/trace/switch_run.hpp"

namespace nsleak::trace {
namespace {

template <std::size_t... I>
Body body_of(const Record& r, std::index_sequence<I...>) {
  Body b;
  ((r.kind == I ? (b.emplace<I>(), std::memcpy(&std::get<I>(b), r.body, sizeof(std::variant_alternative_t<I, Body>)), 0) : 0), ...);
  return b;
}

// Files an attached record onto the event it belongs to.
void attach(Event& ev, const Record& r) {
  if (r.kind == kTextKind) {
    (r.field == 0 ? ev.text : ev.detail).append(reinterpret_cast<const char*>(r.body), std::min<std::size_t>(r.len, kRecordBody));
    return;
  }
  const Body b = body_of(r, std::make_index_sequence<std::variant_size_v<Body>>{});
  if (const auto* ts = std::get_if<TaskState>(&b)) {
    if (ts->kind >= kMaxStateKinds) return;
    auto it = std::find_if(ev.tasks.begin(), ev.tasks.end(), [&](const TaskRow& row) { return row.tid == ts->tid; });
    if (it == ev.tasks.end()) {
      ev.tasks.push_back(TaskRow{ts->tid, ts->m, 0, {}});
      it = ev.tasks.end() - 1;
    }
    it->mask |= 1u << ts->kind;
    it->state[ts->kind] = ts->value;
  } else if (const auto* st = std::get_if<OpState>(&b)) {
    ev.states.push_back(*st);
  } else if (const auto* co = std::get_if<ChoiceOption>(&b)) {
    ev.options.push_back(*co);
  }
}

}  // namespace

const TaskRow* Event::task(std::int32_t tid) const {
  for (const auto& row : tasks)
    if (row.tid == tid) return &row;
  return nullptr;
}

std::size_t encode_text(std::string_view text, std::uint8_t field, std::span<Record> out) {
  std::size_t n = 0;
  while (!text.empty() && n < out.size()) {
    Record& r = out[n++];
    r = Record{};
    r.kind = kTextKind;
    r.flags = kAttachedFlag;
    r.field = field;
    r.len = static_cast<std::uint32_t>(std::min(text.size(), kRecordBody));
    std::memcpy(r.body, text.data(), r.len);
    text.remove_prefix(r.len);
  }
  return n;
}

std::vector<Event> decode(std::span<const Record> records, std::chrono::steady_clock::time_point until, bool* cut) {
  // One event per owner record (per packed switch for a switch run): reserved once, so a full
  // buffer is not copied as the vector grows (the copies were most of the parent's peak
  // memory while decoding).
  std::size_t owners = 1;
  for (const Record& r : records)
    owners += r.kind == kSwitchRunKind ? switch_run_size(r) : (r.flags & kAttachedFlag) == 0;
  std::vector<Event> out;
  out.reserve(owners);
  Event pending;
  bool has_pending = false;
  // An owner record ends the pending event: it takes the attachments before it.
  const auto own = [&](const Record& r) {
    pending.seq = r.seq;
    pending.us = r.us;
    pending.t = r.t;
    pending.snapshot = (r.flags & kSnapshotFlag) != 0;
    pending.body = body_of(r, std::make_index_sequence<std::variant_size_v<Body>>{});
    std::sort(pending.tasks.begin(), pending.tasks.end(), [](const TaskRow& a, const TaskRow& b) { return a.tid < b.tid; });
    out.push_back(std::move(pending));
    pending = Event{};
    has_pending = false;
  };
  std::size_t i = 0;
  for (const Record& r : records) {
    if ((++i & 4095) == 0 && std::chrono::steady_clock::now() > until) {
      if (cut != nullptr) *cut = true;
      break;
    }
    if (r.kind > kSwitchRunKind) continue;  // not a record this build wrote: skip, never guess
    if (r.kind == kSwitchRunKind) {
      for (std::uint32_t k = 0, n = switch_run_size(r); k < n; ++k) {
        own(switch_run_event(r, k));
        out.back().run_stamp = k > 0;
      }
      continue;
    }
    if (r.flags & kAttachedFlag) {
      attach(pending, r);
      has_pending = true;
      continue;
    }
    own(r);
  }
  if (has_pending) {
    pending.body = Orphans{};
    out.push_back(std::move(pending));
  }  // orphans of a child that died mid-event
  return out;
}

}  // namespace nsleak::trace
