// Switch runs (harness/trace/switch_run.hpp): consecutive Execute events of one M share one
// trace record. The packing must be invisible but for the stamps: a trace written through
// TraceBuffer decodes to exactly the events that the same records, each kept as a plain record,
// decode to, except that an Execute packed after a run's first says so (run_stamp) and carries
// the run's first stamp, never a later one than its own.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "harness/trace/buffer.hpp"
#include "harness/trace/switch_run.hpp"

namespace {

using namespace nsleak::trace;

struct Writer {
  std::vector<Record> plain;  // every record as written: the old form
  std::int64_t seq = 0;
  Record stamped(Record r, std::int64_t us, std::int64_t t) {
    if ((r.flags & kAttachedFlag) == 0) r.seq = seq++;
    r.us = us;
    r.t = t;
    return r;
  }
  void one(TraceBuffer& buf, Record r, std::int64_t us, std::int64_t t = 0) {
    r = stamped(r, us, t);
    plain.push_back(r);
    REQUIRE(buf.append(r));
  }
  void many(TraceBuffer& buf, std::vector<Record> rs, std::int64_t us) {
    for (auto& r : rs) r = stamped(r, us, 0);
    plain.insert(plain.end(), rs.begin(), rs.end());
    REQUIRE(buf.append(rs));
  }
};

void check_same(const std::vector<Event>& got, const std::vector<Event>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("event " << i);
    CHECK(got[i].seq == want[i].seq);
    if (got[i].run_stamp) {
      REQUIRE(i > 0);
      CHECK(got[i].is<Execute>());
      CHECK(got[i].us == got[i - 1].us);  // the run's: its first event's stamp, carried on
      CHECK(got[i].us <= want[i].us);     // ... which was read before this event happened
    } else {
      CHECK(got[i].us == want[i].us);
    }
    CHECK(got[i].t == want[i].t);
    CHECK(got[i].snapshot == want[i].snapshot);
    CHECK(got[i].body.index() == want[i].body.index());
    CHECK(got[i].tasks.size() == want[i].tasks.size());
    if (const auto* e = want[i].as<Execute>()) {
      const auto* g = got[i].as<Execute>();
      REQUIRE(g != nullptr);
      CHECK(g->g == e->g);
      CHECK(g->m == e->m);
      CHECK(g->tid == e->tid);
    }
  }
}

}  // namespace

TEST_CASE("Execute events packed into switch runs decode to exactly the events written, in fewer records", "[trace]") {
  TraceBuffer buf(1024);
  REQUIRE(buf.ok());
  Writer w;
  w.one(buf, encode(SandboxReady{42, 0, true}), 0);
  // 30 switches on M 0: 22 + 8 entries; the microseconds grow past a few.
  for (int i = 0; i < 30; ++i) w.one(buf, encode(Execute{i % 2 + 1, 0, 100}), 5 + i / 4);
  // An event with an attachment ends the run; the next switch starts one.
  w.many(buf, {encode(TaskState{100, 0, 0, {}}, kAttachedFlag), encode(Ready{3, 0})}, 20);
  w.one(buf, encode(Execute{3, 0, 100}), 21);
  w.one(buf, encode(Execute{4, 1, 101}), 21);        // another M: a run of its own
  w.one(buf, encode(Execute{5, 1, 101}), 22, 7);     // another virtual time: likewise
  w.one(buf, encode(Execute{std::int64_t{1} << 40, 1, 101}), 22, 7);  // a goid past 32 bits: plain
  w.one(buf, encode(Execute{6, 1, 101}), 22, 7);
  // 2^33 µs on: packed all the same (its stamp is the run's, 22 µs, earlier than its own).
  w.one(buf, encode(Execute{7, 1, 101}), std::int64_t{1} << 33, 7);

  const auto records = buf.committed();
  // 1 + 2 runs + 2 (the Ready's) + 1 + 1 + 1 + 1 plain + 1 (after the plain one, with the last).
  CHECK(records.size() == 10);
  CHECK(records.size() < w.plain.size());
  const auto events = decode(records);
  check_same(events, decode(w.plain));
  REQUIRE(events.size() == 38);
  // Unstamped: 21 + 7 of the 30 switches, and the one after the plain record.
  CHECK(std::count_if(events.begin(), events.end(), [](const Event& e) { return e.run_stamp; }) == 29);
  CHECK(events.back().run_stamp);
  CHECK(events.back().us == 22);
}

TEST_CASE("A switch extends the open run with no stamp, only when it continues it", "[trace]") {
  TraceBuffer buf(16);
  Writer w;
  w.one(buf, encode(Execute{1, 0, 100}), 5, 2);
  CHECK_FALSE(buf.extend_run(Execute{2, 0, 100}, w.seq + 1, 2));  // a seq skipped
  CHECK_FALSE(buf.extend_run(Execute{2, 0, 100}, w.seq, 3));      // another virtual time
  CHECK_FALSE(buf.extend_run(Execute{2, 1, 100}, w.seq, 2));      // another M
  CHECK_FALSE(buf.extend_run(Execute{2, 0, 101}, w.seq, 2));      // another thread
  CHECK_FALSE(buf.extend_run(Execute{std::int64_t{1} << 40, 0, 100}, w.seq, 2));  // a goid past 32 bits
  CHECK(buf.extend_run(Execute{2, 0, 100}, w.seq++, 2));
  REQUIRE(buf.committed().size() == 1);
  // Anything else appended closes the run: a switch after it is not packed into it.
  w.one(buf, encode(Ready{3, 0}), 9, 2);
  CHECK_FALSE(buf.extend_run(Execute{3, 0, 100}, w.seq, 2));
  // A full run takes no more.
  w.one(buf, encode(Execute{3, 0, 100}), 10, 2);
  for (std::size_t k = 1; k < kSwitchRunEntries; ++k) REQUIRE(buf.extend_run(Execute{4, 0, 100}, w.seq++, 2));
  CHECK_FALSE(buf.extend_run(Execute{4, 0, 100}, w.seq, 2));
  const auto events = decode(buf.committed());
  REQUIRE(events.size() == 3 + kSwitchRunEntries);
  CHECK_FALSE(events[0].run_stamp);
  CHECK(events[1].run_stamp);
  CHECK(events[1].us == 5);
  CHECK(events[1].seq == 1);
  CHECK(events[1].as<Execute>()->g == 2);
  CHECK_FALSE(events[3].run_stamp);
  CHECK(events.back().us == 10);
  CHECK(events.back().seq == w.seq - 1);
}

TEST_CASE("A switch run's count bounds what is decoded: an entry written after it is not an event", "[trace]") {
  TraceBuffer buf(16);
  Writer w;
  for (int i = 0; i < 3; ++i) w.one(buf, encode(Execute{i, 0, 100}), i);
  REQUIRE(buf.committed().size() == 1);
  Record run = buf.committed()[0];
  CHECK(switch_run_size(run) == 3);
  // The child killed between an entry and its count's store: the count still says 3.
  Record fourth = run;
  REQUIRE(extend_switch_run(fourth, Execute{9, 0, 100}, w.seq, 0));
  CHECK(switch_run_size(fourth) == 4);
  fourth.len = 3;
  const auto events = decode(std::span(&fourth, 1));
  REQUIRE(events.size() == 3);
  CHECK(events.back().as<Execute>()->g == 2);
  // A count past a record's room (not something this build writes) is read as the room only.
  fourth.len = 1000;
  CHECK(decode(std::span(&fourth, 1)).size() == kSwitchRunEntries);
}

TEST_CASE("A reset buffer does not extend the switch run of its previous contents", "[trace]") {
  TraceBuffer buf(16);
  Writer w;
  w.one(buf, encode(Execute{1, 0, 100}), 0);
  buf.reset();
  Writer again;
  again.one(buf, encode(Execute{2, 0, 100}), 0);
  const auto events = decode(buf.committed());
  REQUIRE(events.size() == 1);
  CHECK(events[0].as<Execute>()->g == 2);
}
