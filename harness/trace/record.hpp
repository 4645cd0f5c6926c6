// Record: the binary form of one trace event — fixed size, trivially copyable, written by the
// sandbox child into shared memory and decoded by the parent.
//
// An event is one owner record, preceded by the records attached to it (snapshot rows, an
// op's per-kind states, a choice's options, chunks of text). Only owner records carry a
// sequence number. A child that dies between an event's attachments and its owner leaves
// orphan attachments at the end of the trace; decode() keeps them on a last, partial event.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "harness/trace/event.hpp"

namespace nsleak::trace {

inline constexpr std::size_t kRecordBody = 96;

struct Record {
  std::uint16_t kind = 0;  // Body's variant index, or kTextKind
  std::uint8_t flags = 0;
  std::uint8_t field = 0;  // text chunks: 0 = Event::text, 1 = Event::detail
  std::uint32_t len = 0;   // text chunks: bytes used in body
  std::int64_t seq = -1;
  std::int64_t us = 0;
  std::int64_t t = 0;
  alignas(8) std::byte body[kRecordBody];
};
static_assert(std::is_trivially_copyable_v<Record>);
static_assert(sizeof(Record) == 128, "a record is two cache lines");

inline constexpr std::uint16_t kTextKind = std::variant_size_v<Body>;
// Consecutive Execute events of one M in one record (switch_run.hpp); decode() expands it.
inline constexpr std::uint16_t kSwitchRunKind = kTextKind + 1;
inline constexpr std::uint8_t kSnapshotFlag = 1;  // owner: a snapshot was taken for it
inline constexpr std::uint8_t kAttachedFlag = 2;  // belongs to the next owner record

template <class T>
constexpr std::uint16_t kind_of() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    std::uint16_t k = kTextKind;
    ((std::is_same_v<T, std::variant_alternative_t<I, Body>> ? (k = I, 0) : 0), ...);
    return k;
  }(std::make_index_sequence<std::variant_size_v<Body>>{});
}

// The record of event `e` (header fields other than kind left for the writer to stamp).
template <class T>
Record encode(const T& e, std::uint8_t flags = 0) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= kRecordBody,
                "every event fits one record");
  static_assert(kind_of<T>() != kTextKind, "T is an event of trace::Body");
  Record r;
  r.kind = kind_of<T>();
  r.flags = flags;
  std::memcpy(r.body, &e, sizeof(T));
  return r;
}

// Text as attached chunk records, appended to `out` (capacity permitting: text is cut, never
// the event). Returns the number of records written.
std::size_t encode_text(std::string_view text, std::uint8_t field, std::span<Record> out);

// The events of a whole trace, in order. Past `until` (checked every few thousand records) it
// stops and sets `*cut`: a run's --timeout bounds its decoding too (sandbox.hpp, kRunGraceS).
std::vector<Event> decode(std::span<const Record> records,
                          std::chrono::steady_clock::time_point until = std::chrono::steady_clock::time_point::max(),
                          bool* cut = nullptr);

}  // namespace nsleak::trace
