// Switch runs (harness/trace/switch_run.hpp): consecutive Execute events of one M share one
// trace record. The packing must be invisible: a trace written through TraceBuffer decodes to
// exactly the events that the same records, each kept as a plain record, decode to.
#include <catch2/catch.hpp>

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
    CHECK(got[i].us == want[i].us);
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
  // 30 switches on M 0: 11 + 11 + 8 entries; the microseconds grow past a few.
  for (int i = 0; i < 30; ++i) w.one(buf, encode(Execute{i % 2 + 1, 0, 100}), 5 + i / 4);
  // An event with an attachment ends the run; the next switch starts one.
  w.many(buf, {encode(TaskState{100, 0, 0, {}}, kAttachedFlag), encode(Ready{3, 0})}, 20);
  w.one(buf, encode(Execute{3, 0, 100}), 21);
  w.one(buf, encode(Execute{4, 1, 101}), 21);        // another M: a run of its own
  w.one(buf, encode(Execute{5, 1, 101}), 22, 7);     // another virtual time: likewise
  w.one(buf, encode(Execute{std::int64_t{1} << 40, 1, 101}), 22, 7);  // a goid past 32 bits: plain
  w.one(buf, encode(Execute{6, 1, 101}), 22, 7);
  w.one(buf, encode(Execute{7, 1, 101}), std::int64_t{1} << 33, 7);  // 2^33 µs on: a new run

  const auto records = buf.committed();
  // 1 + 3 runs + 2 (the Ready's) + 1 + 1 + 1 + 1 plain + 1 (after the plain one) + 1.
  CHECK(records.size() == 12);
  CHECK(records.size() < w.plain.size());
  check_same(decode(records), decode(w.plain));
  CHECK(decode(records).size() == 38);
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
  REQUIRE(extend_switch_run(fourth, w.stamped(encode(Execute{9, 0, 100}), 3, 0)));
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
