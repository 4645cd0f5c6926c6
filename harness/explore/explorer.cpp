#include "harness/explore/explorer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "harness/explore/prune.hpp"
#include "harness/explore/state_cache.hpp"
#include "harness/interp/interpreter.hpp"
#include "harness/os/ns_pool.hpp"
#include "harness/runner/run_server.hpp"
#include "harness/explore/strategies.hpp"
#include "harness/runtime/bad_input.hpp"

namespace nsleak::explore {
namespace {

using Clock = std::chrono::steady_clock;

// How a schedule is named inside one exploration: the strategy that made it and, for a
// deterministic order whatever -j is, a sort key (phase, then the schedule's number or path).
enum Phase : int { kGoOrder = 0, kExhaustive = 1, kPct = 2, kRandom = 3 };

struct Sched {
  int phase = kExhaustive;
  std::vector<std::uint16_t> prefix;  // exhaustive: the path from the root
  int deviations = 0;
  std::size_t branch = 0;             // exhaustive: which child of the root it descends from (0: the root)
  std::uint64_t seed = 0;             // pct, random
  std::vector<std::uint64_t> order() const {
    std::vector<std::uint64_t> k{static_cast<std::uint64_t>(phase), static_cast<std::uint64_t>(deviations), seed};
    k.insert(k.end(), prefix.begin(), prefix.end());
    return k;
  }
};

struct Ran {
  runner::RunReport report;
  Outcome outcome;
  std::vector<ChoiceRec> choices;
};

struct Found {
  Outcome outcome;
  long count = 0;
  Sched rep;
  std::vector<ChoiceRec> rep_choices;
};

// A schedule as a run request to a RunServer's zygote: the strategy is made in the run's
// child from this text ("g" go-order, "p:1,0,2" a prefix, "c:DEPTH:SEED:K" PCT, "r:SEED"
// random, "s:TOKEN" a replay schedule).
// "q:..." is "p:..." with the state's fingerprints recorded from the prefix's end on (the
// state cache: only for a schedule that will be expanded).
std::string request_of(const Sched& s, int depth, std::size_t k, bool fingerprint = false) {
  switch (s.phase) {
    case kExhaustive: {
      std::string r = fingerprint ? "q:" : "p:";
      for (std::size_t i = 0; i < s.prefix.size(); ++i) {
        if (i) r += ',';
        r += std::to_string(s.prefix[i]);
      }
      return r;
    }
    case kPct: return "c:" + std::to_string(depth) + ":" + std::to_string(s.seed) + ":" + std::to_string(k);
    case kRandom: return "r:" + std::to_string(s.seed);
    default: return "g";
  }
}

class Explorer {
 public:
  Explorer(const scenario::Scenario& sc, const ExploreOptions& opt)
      : sc_(sc), opt_(opt), labels_(sc), t0_(Clock::now()),
        pool_size_(opt.ns_pool ? interp::unshare_estimate(sc, os::StateKind::Net, os::kMaxPooled) : 0) {}

  ExploreResult run();

 private:
  // A worker's fork server: the sandbox set up once, each schedule one fork of its zygote
  // (zygote.hpp). Made on the worker's own thread: the zygote dies with the thread that made it.
  // `table`: the worker's fingerprint table (state_cache.hpp), mapped before the zygote forks.
  std::unique_ptr<runner::RunServer> server(FingerprintTable* table = nullptr) const {
    auto srv = std::make_unique<runner::RunServer>(
        std::vector<const scenario::Scenario*>{&sc_}, opt_.run.sandbox,
        [this, table](const std::string& req) -> std::unique_ptr<rt::Strategy> {
          if (table != nullptr && req.rfind("q:", 0) == 0) {
            auto inner = strategy_from("p:" + req.substr(2));
            const std::size_t first = static_cast<const PrefixStrategy&>(*inner).prefix_size();
            return std::make_unique<FingerprintingStrategy>(std::move(inner), table, first);
          }
          return strategy_from(req);
        },
        pool_size_);
    return srv;
  }
  // In the run's child (and once in the parent for the report's strategy name).
  std::unique_ptr<rt::Strategy> strategy_from(const std::string& req) const {
    const std::string_view v(req);
    auto nums = [](std::string_view t) {
      std::vector<std::uint64_t> out;
      std::uint64_t cur = 0;
      bool any = false;
      for (char ch : t) {
        if (ch >= '0' && ch <= '9') {
          cur = cur * 10 + static_cast<std::uint64_t>(ch - '0');
          any = true;
        } else {
          if (any) out.push_back(cur);
          cur = 0;
          any = false;
        }
      }
      if (any) out.push_back(cur);
      return out;
    };
    if (v.rfind("p:", 0) == 0) {
      std::vector<std::uint16_t> prefix;
      for (auto n : nums(v.substr(2))) prefix.push_back(static_cast<std::uint16_t>(n));
      return std::make_unique<PrefixStrategy>(std::move(prefix));
    }
    if (v.rfind("c:", 0) == 0) {
      const auto n = nums(v.substr(2));
      return std::make_unique<PctStrategy>(static_cast<int>(n.at(0)), n.at(1), static_cast<std::size_t>(n.at(2)));
    }
    if (v.rfind("r:", 0) == 0) return std::make_unique<rt::RandomStrategy>(nums(v.substr(2)).at(0));
    if (v.rfind("s:", 0) == 0) return std::make_unique<ReplayStrategy>(parse_token(v.substr(2), labels_), "replay");
    return std::make_unique<rt::GoOrderStrategy>();
  }

  std::string name_of(const Sched& s) const {
    switch (s.phase) {
      case kExhaustive: return s.prefix.empty() ? "go-order" : "exhaustive:" + std::to_string(bound_);
      case kPct: return "pct:" + std::to_string(opt_.strategy.depth) + ":" + std::to_string(s.seed);
      case kRandom: return "random:" + std::to_string(s.seed);
      default: return "go-order";
    }
  }
  Ran classify(runner::RunReport report) const {
    if (opt_.on_run) opt_.on_run(report);
    Ran r;
    r.report = std::move(report);
    r.outcome = outcome_of(r.report);
    r.choices = choices_of(r.report.record.events);
    return r;
  }
  // The search's runs: through the worker's fork server (with the namespace pool if on).
  Ran execute(runner::RunServer& srv, const std::string& request) const {
    return classify(srv.run(0, opt_.run, request));
  }
  Ran execute(runner::RunServer& srv, const Sched& s, bool fingerprint = false) const {
    return execute(srv, request_of(s, opt_.strategy.depth, k_, fingerprint));
  }
  Ran execute(runner::RunServer& srv, const Schedule& s) const { return execute(srv, "s:" + token(s, labels_)); }
  // The real thing, for what is reported: a fresh sandbox of its own, real unshare, the
  // kernel audit (run_scenario).
  Ran confirm(std::function<std::unique_ptr<rt::Strategy>()> make) const {
    runner::RunOptions ro = opt_.run;
    ro.strategy = std::move(make);
    return classify(runner::run_scenario(sc_, ro));
  }

  bool out_of_budget() const {
    if (failure_) return true;  // a worker failed: the others stop at their next look
    if (result_.stopped_at_class) return true;
    if (launched_ >= opt_.budget) return true;
    if (opt_.time_s > 0 && std::chrono::duration<double>(Clock::now() - t0_).count() >= opt_.time_s) return true;
    return false;
  }
  // Under mu_: one schedule's result.
  // `counts`: the schedule is this shard's (every shard runs the root to find its subtrees, but
  // only shard 1 counts it), so that shards' schedule counts add up to the unsharded run's.
  void record(const Sched& s, Ran& r, bool counts) {
    if (counts) ++result_.schedules;
    if (result_.policy.empty()) result_.policy = r.report.policy;
    if (!r.report.record.env_error.empty() && result_.skipped.empty()) result_.skipped = r.report.record.env_error;
    for (const auto& c : r.choices) {
      for (const auto& o : c.options)
        if (o.subject != trace::OptionSubject::Action)
          entities_.insert((static_cast<std::uint64_t>(o.subject) << 56) ^ (static_cast<std::uint64_t>(o.label) << 28) ^ o.occ);
    }
    if (!counts) return;
    const std::string key = r.outcome.key();
    auto it = classes_.find(key);
    if (it == classes_.end()) {
      it = classes_.emplace(key, Found{}).first;
      it->second.outcome = r.outcome;
      if (opt_.on_class) {
        ExploreOptions::ClassFound cf;
        cf.outcome = r.outcome;
        cf.found_by = name_of(s);
        const Schedule sched = non_default(r.choices);
        cf.token = token(sched, labels_);
        cf.decisions = static_cast<long>(sched.size());
        cf.schedule = result_.schedules;
        opt_.on_class(cf);
      }
      if (opt_.stop_at && opt_.stop_at(r.outcome)) result_.stopped_at_class = true;
    }
    Found& f = it->second;
    ++f.count;
    if (f.count == 1 || s.order() < f.rep.order()) {
      f.rep = s;
      f.rep_choices = r.choices;
    }
    report_progress();
  }
  void report_progress() {
    if (!opt_.progress) return;
    Progress p;
    p.done = result_.schedules;
    p.pruned = result_.pruned;
    p.classes = static_cast<long>(classes_.size());
    p.pending = static_cast<long>(stack_.size());
    p.elapsed_s = std::chrono::duration<double>(Clock::now() - t0_).count();
    p.phase = phase_;
    opt_.progress(p);
  }

  bool mine(const Sched& s) const { return s.branch == 0 ? opt_.shard == 1 : (s.branch - 1) % opt_.shards == opt_.shard - 1; }

  void exhaustive(long budget);
  void sampled(int phase, long budget);
  void finish_class(runner::RunServer& srv, ClassResult& out, const Found& f);

  const scenario::Scenario& sc_;
  const ExploreOptions& opt_;
  Labels labels_;
  Clock::time_point t0_;
  ExploreResult result_;
  std::mutex mu_;
  std::map<std::string, Found> classes_;
  std::set<std::uint64_t> entities_;
  std::vector<Sched> stack_;
  long launched_ = 0;
  int bound_ = 2;
  std::size_t k_ = 1;  // choice points of the go-order run (PCT's k)
  std::string phase_;
  bool root_done_ = false;
  int pool_size_ = 0;  // namespaces each worker's zygote makes (0: real unshare only)
  std::exception_ptr failure_;  // under mu_: the first exception a worker threw
  // The state cache (under mu_): each expanded (fingerprint, outcome so far) and the most
  // deviations it had left.
  struct StateKey {
    rt::Fingerprint fp;
    std::string partial;
    bool operator<(const StateKey& o) const {
      return std::tie(fp.a, fp.b, partial) < std::tie(o.fp.a, o.fp.b, o.partial);
    }
  };
  std::map<StateKey, int> visited_;

  // Runs `body` on n threads and joins them; the first exception one throws is kept (the
  // others stop at their next out_of_budget()) and rethrown here, on the caller's thread, so a
  // failure inside the search is the command's error, never std::terminate.
  void in_parallel(int n, const std::function<void()>& body) {
    std::vector<std::thread> pool;
    for (int i = 0; i < std::max(1, n); ++i)
      pool.emplace_back([&] {
        try {
          body();
        } catch (...) {
          std::lock_guard lock(mu_);
          if (!failure_) failure_ = std::current_exception();
        }
      });
    for (auto& t : pool) t.join();
    if (failure_) std::rethrow_exception(failure_);
  }
};

// Workers take schedules off the stack; a finished one pushes its children. The stack is
// empty and nobody is running: the tree (within the bound) is done.
void Explorer::exhaustive(long budget) {
  phase_ = "exhaustive:" + std::to_string(bound_);
  const long limit = launched_ + budget;
  stack_.push_back(Sched{});
  int running = 0;
  bool stopped = false;
  std::condition_variable cv;
  const bool cache = opt_.prune && opt_.state_cache;
  auto worker = [&] {
    std::unique_ptr<FingerprintTable> table;
    if (cache) table = std::make_unique<FingerprintTable>();
    const auto srv = server(table.get());
    std::unique_lock lock(mu_);
    for (;;) {
      cv.wait(lock, [&] { return !stack_.empty() || running == 0; });
      if (stack_.empty()) return;  // and running == 0
      if (launched_ >= limit || out_of_budget()) {  // the others stop at their next look
        stopped = true;
        cv.notify_all();
        return;
      }
      Sched s = std::move(stack_.back());
      stack_.pop_back();
      ++launched_;
      ++running;
      lock.unlock();
      Ran r;
      // Fingerprints only for a schedule whose children are generated; the root's only when
      // it is this shard's alone (its children in other shards are not run here).
      const bool fingerprint = cache && s.deviations < bound_ && (!s.prefix.empty() || opt_.shards == 1);
      std::vector<std::optional<rt::Fingerprint>> fps;
      try {
        const std::uint64_t run_no = fingerprint ? table->begin_run() : 0;
        r = execute(*srv, s, fingerprint);
        if (fingerprint) fps = table->read(run_no);
      } catch (...) {  // in_parallel keeps it; the others must not wait for this one
        lock.lock();
        --running;
        stopped = true;
        cv.notify_all();
        throw;
      }
      lock.lock();
      --running;
      bool follows = r.choices.size() >= s.prefix.size();
      for (std::size_t i = 0; follows && i < s.prefix.size(); ++i) follows = r.choices[i].chosen == s.prefix[i];
      if (!follows) ++result_.nondeterministic;  // not expanded: its subtree is not the asked one
      record(s, r, mine(s));
      if (s.prefix.empty() && k_ <= 1) k_ = std::max<std::size_t>(r.choices.size(), 1);
      std::vector<Sched> kids;
      std::size_t branch = 0;
      if (follows && s.deviations < bound_ && result_.skipped.empty()) {
        // The outcome so far at each fingerprinted choice: with the state, all the rest of the
        // run's outcome depends on.
        std::vector<std::int64_t> at;
        for (std::size_t i = s.prefix.size(); i < r.choices.size() && i < fps.size(); ++i)
          if (fps[i]) at.push_back(r.choices[i].seq);
        const std::vector<std::string> partial = at.empty() ? std::vector<std::string>{} : partial_outcomes(r.report, at);
        std::size_t next_partial = 0;
        const int left = bound_ - s.deviations;
        for (std::size_t i = s.prefix.size(); i < r.choices.size(); ++i) {
          const auto& c = r.choices[i];
          if (i < fps.size() && fps[i]) {
            // Seen with at least as many deviations left: everything from here on is below
            // that point too (its children were generated then). Else this point is the one.
            auto [it, fresh] = visited_.try_emplace(StateKey{*fps[i], partial[next_partial++]}, left);
            if (!fresh && it->second >= left) {
              for (std::size_t q = i; q < r.choices.size(); ++q)
                result_.merged += std::min<std::size_t>(r.choices[q].noptions, r.choices[q].options.size()) - 1;
              break;
            }
            it->second = std::max(it->second, left);
          }
          const std::size_t n = std::min<std::size_t>(c.noptions, c.options.size());
          for (std::size_t j = 1; j < n; ++j) {
            Sched kid;
            kid.phase = kExhaustive;
            kid.deviations = s.deviations + 1;
            kid.branch = s.prefix.empty() ? ++branch : s.branch;
            if (!mine(kid) && kid.branch != 0 && s.prefix.empty()) continue;  // another shard's subtree
            if (opt_.prune && prune_rule(r.choices, i, j) != PruneRule::None) {
              ++result_.pruned;
              continue;
            }
            kid.prefix.reserve(i + 1);
            for (std::size_t q = 0; q < i; ++q) kid.prefix.push_back(r.choices[q].chosen);
            kid.prefix.push_back(static_cast<std::uint16_t>(j));
            kids.push_back(std::move(kid));
          }
        }
      }
      // Depth-first: the earliest alternative is taken next.
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack_.push_back(std::move(*it));
      cv.notify_all();
    }
  };
  in_parallel(opt_.jobs, worker);
  result_.pruned += result_.merged;
  result_.pending = static_cast<long>(stack_.size());
  result_.complete = stack_.empty() && !stopped && result_.nondeterministic == 0 && result_.skipped.empty();
  stack_.clear();
  root_done_ = true;
}

// PCT (phase 1) or random (phase 2): schedule i has seed base+i; shard K takes i = K-1 mod N.
void Explorer::sampled(int phase, long budget) {
  phase_ = phase == kPct ? "pct:" + std::to_string(opt_.strategy.depth) : "random";
  if (phase == kPct && !root_done_) {  // PCT needs k: the go-order run's choice count
    Sched root;
    root.phase = kGoOrder;
    Ran r = execute(*server(), root);
    std::lock_guard lock(mu_);
    ++launched_;
    k_ = std::max<std::size_t>(r.choices.size(), 1);
    record(root, r, opt_.shard == 1);
    root_done_ = true;
  }
  if (!result_.skipped.empty()) return;
  const long limit = launched_ + budget;
  std::atomic<std::uint64_t> next{0};
  auto worker = [&] {
    const auto srv = server();
    for (;;) {
      std::uint64_t i;
      {
        std::lock_guard lock(mu_);
        if (launched_ >= limit || out_of_budget()) return;
        ++launched_;
        i = next++;
      }
      Sched s;
      s.phase = phase;
      s.seed = opt_.strategy.seed + i * opt_.shards + (opt_.shard - 1);
      Ran r = execute(*srv, s);
      std::lock_guard lock(mu_);
      record(s, r, true);
    }
  };
  in_parallel(opt_.jobs, worker);
}

// The class's token, its re-run, its shrunk schedule and flip point.
void Explorer::finish_class(runner::RunServer& srv, ClassResult& out, const Found& f) {
  out.outcome = f.outcome;
  out.count = f.count;
  out.found_by = name_of(f.rep);
  Schedule sched = non_default(f.rep_choices);
  out.token = token(sched, labels_);
  out.decisions = static_cast<long>(sched.size());
  // Every class's schedule is run again before it is reported, the real way (run_scenario: a
  // fresh sandbox, real unshare, the kernel audit), whatever found it: that confirms what the
  // namespace pool found, and a schedule that does not show its class again means something
  // outside the model (the kernel, timing the baton does not control) decided.
  out.ns_pool = srv.ns_pooled();
  {
    const std::string request = request_of(f.rep, opt_.strategy.depth, k_);  // as the search ran it
    Ran again = confirm([this, request] { return strategy_from(request); });
    if (!(again.outcome == f.outcome)) {
      out.reproduced = false;
      out.reproduced_as = again.outcome.text();
    }
  }
  out.shrunk = out.token;
  out.shrunk_decisions = out.decisions;
  if (sched.empty()) return;
  if (opt_.shrink && out.reproduced) {
    // Delta debugging over the decision list: drop chunks, halving the chunk size, keeping
    // any candidate that still shows the class (and taking the decisions it really applied).
    int runs = 0;
    constexpr int kMaxRuns = 120;
    for (std::size_t chunk = std::max<std::size_t>(1, sched.size() / 2); chunk >= 1 && runs < kMaxRuns;) {
      bool dropped = false;
      for (std::size_t start = 0; start < sched.size() && runs < kMaxRuns;) {
        Schedule cand;
        for (std::size_t q = 0; q < sched.size(); ++q)
          if (q < start || q >= start + chunk) cand.push_back(sched[q]);
        Ran r = execute(srv, cand);
        ++runs;
        if (r.outcome == f.outcome) {
          sched = non_default(r.choices);
          dropped = true;
        } else {
          start += chunk;
        }
      }
      if (sched.empty()) break;
      if (chunk == 1 && !dropped) break;
      if (!dropped) chunk = std::max<std::size_t>(1, chunk / 2);
      else chunk = std::min(chunk, std::max<std::size_t>(1, sched.size() / 2));
    }
    // Delta debugging ends 1-minimal: no decision of *this* schedule can go. A class that a
    // single other decision also reaches is missed when that decision is not in the list
    // (two deviations that together steer where one elsewhere would). So a result of two or
    // more decisions is tried against every single deviation of the go-order run, in order,
    // up to kMaxSingles runs: the fewest non-default decisions, as the shrinker promises,
    // whenever one suffices within that bound.
    if (sched.size() >= 2) {
      constexpr int kMaxSingles = 256;
      const Ran root = execute(srv, Schedule{});
      int singles = 0;
      for (const ChoiceRec& c : root.choices) {
        bool found = false;
        for (std::size_t j = 1; j < c.options.size() && singles < kMaxSingles; ++j, ++singles) {
          Ran r = execute(srv, Schedule{Decision{c.kind, c.at, OptionKey::of(c.options[j])}});
          if (r.outcome == f.outcome && non_default(r.choices).size() < sched.size()) {
            sched = non_default(r.choices);
            found = true;
            break;
          }
        }
        if (found || singles >= kMaxSingles) break;
      }
    }
    out.shrunk = token(sched, labels_);
    out.shrunk_decisions = static_cast<long>(sched.size());
  }
  if (sched.empty()) return;
  // The flip point: the last decision, and what go-order there gives instead.
  const Decision& last = sched.back();
  Schedule without(sched.begin(), sched.end() - 1);
  Ran r = execute(srv, without);
  // The shrunk schedule's report, from a real run: its labels name the flip point, and a
  // shrunk schedule found through the pool is confirmed like the class's representative.
  Ran real = confirm([sched] { return std::make_unique<ReplayStrategy>(sched, "replay"); });
  if (!(real.outcome == f.outcome) && out.reproduced) {
    out.reproduced = false;
    out.reproduced_as = real.outcome.text() + " (the shrunk schedule)";
  }
  out.flip = flip_point(labels_, last, real.report, r.outcome);
}

ExploreResult Explorer::run() {
  result_.scenario = sc_.name;
  result_.file = sc_.file;
  result_.strategy = opt_.strategy.text();
  result_.shard = opt_.shard;
  result_.shards = opt_.shards;
  const auto& st = opt_.strategy;
  switch (st.kind) {
    case StrategySpec::Kind::GoOrder: {
      Sched s;
      s.phase = kGoOrder;
      Ran r = execute(*server(), s);
      ++launched_;
      record(s, r, true);
      break;
    }
    case StrategySpec::Kind::Exhaustive:
      bound_ = st.bound;
      result_.exhaustive = true;
      result_.bound = bound_;
      exhaustive(opt_.budget);
      break;
    case StrategySpec::Kind::Pct: sampled(kPct, opt_.budget); break;
    case StrategySpec::Kind::Random: sampled(kRandom, opt_.budget); break;
    case StrategySpec::Kind::Portfolio: {
      bound_ = st.bound;
      result_.exhaustive = true;
      result_.bound = bound_;
      exhaustive(std::max<long>(1, opt_.budget * 6 / 10));
      if (result_.complete || !result_.skipped.empty()) break;
      sampled(kPct, std::max<long>(0, opt_.budget * 85 / 100 - launched_));
      sampled(kRandom, std::max<long>(0, opt_.budget - launched_));
      break;
    }
  }
  // The statement a sampled run supports.
  const long n = result_.schedules;
  if (st.kind == StrategySpec::Kind::Pct || (st.kind == StrategySpec::Kind::Portfolio && !result_.complete)) {
    const double ent = std::max<double>(1, static_cast<double>(entities_.size()));
    const double p = 1.0 / (ent * std::pow(static_cast<double>(k_), st.depth - 1));
    const double miss = std::pow(1 - p, static_cast<double>(n));
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "PCT depth %d: each schedule hits a given depth-%d outcome with probability >= 1/(n*k^%d) = %.3g "
                  "(n = %.0f threads and goroutines, k = %zu choice points); after %ld schedules one that exists "
                  "was missed with probability <= %.3g",
                  st.depth, st.depth, st.depth - 1, p, ent, k_, n, miss);
    result_.guarantee = buf;
  } else if (st.kind == StrategySpec::Kind::Random) {
    char buf[240];
    std::snprintf(buf, sizeof buf,
                  "random: %ld uniformly random schedules; an outcome shown by at least 1%% of schedules was missed "
                  "with probability <= %.3g",
                  n, std::pow(0.99, static_cast<double>(n)));
    result_.guarantee = buf;
  }
  // Classes in a deterministic order (by representative), finished in parallel.
  std::vector<const Found*> found;
  for (const auto& [k, f] : classes_) found.push_back(&f);
  std::sort(found.begin(), found.end(), [](const Found* a, const Found* b) { return a->rep.order() < b->rep.order(); });
  result_.classes.resize(found.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    const auto srv = server();
    for (std::size_t i; (i = next++) < found.size();) finish_class(*srv, result_.classes[i], *found[i]);
  };
  in_parallel(std::min<int>(opt_.jobs, static_cast<int>(found.size())), worker);
  result_.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0_).count();
  return result_;
}

}  // namespace

std::string StrategySpec::text() const {
  switch (kind) {
    case Kind::GoOrder: return "go-order";
    case Kind::Random: return "random:" + std::to_string(seed);
    case Kind::Pct: return "pct:" + std::to_string(depth) + ":" + std::to_string(seed);
    case Kind::Exhaustive: return "exhaustive:" + std::to_string(bound);
    case Kind::Portfolio: return "portfolio";
  }
  return "?";
}

StrategySpec parse_strategy(const std::string& spec) {
  const std::string known = " (known: go-order, random:SEED, pct:DEPTH:SEED, exhaustive[:BOUND], portfolio)";
  auto num = [&](const std::string& s, std::uint64_t& out) {
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoull(s);
    return true;
  };
  StrategySpec st;
  std::uint64_t a = 0, b = 0;
  if (spec == "go-order") {
    st.kind = StrategySpec::Kind::GoOrder;
  } else if (spec == "portfolio") {
    st.kind = StrategySpec::Kind::Portfolio;
  } else if (spec == "exhaustive") {
    st.kind = StrategySpec::Kind::Exhaustive;
  } else if (spec.rfind("exhaustive:", 0) == 0 && num(spec.substr(11), a) && a <= 64) {
    st.kind = StrategySpec::Kind::Exhaustive;
    st.bound = static_cast<int>(a);
  } else if (spec.rfind("random:", 0) == 0 && num(spec.substr(7), a)) {
    st.kind = StrategySpec::Kind::Random;
    st.seed = a;
  } else if (spec.rfind("pct:", 0) == 0) {
    const auto colon = spec.find(':', 4);
    if (colon == std::string::npos || !num(spec.substr(4, colon - 4), a) || !num(spec.substr(colon + 1), b) || a < 1 || a > 16)
      throw rt::BadInput("strategy \"" + spec + "\": pct is pct:DEPTH:SEED with DEPTH in 1..16" + known);
    st.kind = StrategySpec::Kind::Pct;
    st.depth = static_cast<int>(a);
    st.seed = b;
  } else {
    throw rt::BadInput("unknown strategy \"" + spec + "\"" + known);
  }
  return st;
}

ExploreResult explore(const scenario::Scenario& sc, const ExploreOptions& opt) {
  if (opt.shards < 1 || opt.shard < 1 || opt.shard > opt.shards) throw rt::BadInput("--shard must be K/N with 1 <= K <= N");
  Explorer e(sc, opt);
  return e.run();
}

runner::RunReport replay(const scenario::Scenario& sc, const std::string& text, const runner::RunOptions& opt) {
  const Labels labels(sc);
  const Schedule s = parse_token(text, labels);
  runner::RunOptions ro = opt;
  const std::string name = s.empty() ? "go-order" : "replay";
  ro.strategy = [s, name] { return std::make_unique<ReplayStrategy>(s, name); };
  runner::RunReport r = runner::run_scenario(sc, ro);
  if (r.record.env_error.empty())
    if (const auto why = divergence(s, choices_of(r.record.events), labels)) throw rt::BadInput(*why);
  return r;
}

}  // namespace nsleak::explore
