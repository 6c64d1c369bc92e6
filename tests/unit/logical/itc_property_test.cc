// Random runs of fork / event / join / exchange / send (peek) / retire across a changing
// set of replicas, checked against a vector-clock oracle: for every pair of live stamps
// (and a few remembered older ones) ITC's order must equal the vector clocks' order.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kairos/logical/itc.h"
#include "kairos/logical/version_vector.h"

namespace kairos::logical {
namespace {

struct Replica {
  ItcStamp stamp;
  VersionVector vc;
  NodeId oracle_id;
};

struct Snapshot {
  ItcStamp stamp;
  VersionVector vc;
};

void CheckEncodings(const ItcStamp& s) {
  const std::string bytes = s.encode();
  Result<ItcStamp> back =
      ItcStamp::decode({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  ASSERT_TRUE(back.ok()) << s.to_string() << ": " << back.status().ToString();
  ASSERT_EQ(*back, s);
  Result<ItcStamp> parsed = ItcStamp::parse(s.to_string());
  ASSERT_TRUE(parsed.ok()) << s.to_string();
  ASSERT_EQ(*parsed, s);
}

void RunOnce(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  NodeId next_oracle_id = 1;
  std::vector<Replica> rs;
  rs.push_back({ItcStamp::seed(), {}, next_oracle_id++});
  std::vector<Snapshot> history;
  const int ops = 30;
  for (int op = 0; op < ops; ++op) {
    const auto kind = rng() % 7;
    if (kind == 0 && rs.size() < 8) {  // fork
      Replica& r = rs[pick(rs.size())];
      auto [a, b] = r.stamp.fork();
      r.stamp = a;
      rs.push_back({b, r.vc, next_oracle_id++});
    } else if (kind <= 2) {  // local event
      Replica& r = rs[pick(rs.size())];
      ASSERT_TRUE(r.stamp.event().ok());
      r.vc.increment(r.oracle_id);
    } else if (kind == 3 && rs.size() >= 2) {  // join (r2 leaves)
      const std::size_t i = pick(rs.size());
      std::size_t j = pick(rs.size() - 1);
      if (j >= i) ++j;
      Result<ItcStamp> joined = ItcStamp::join(rs[i].stamp, rs[j].stamp);
      ASSERT_TRUE(joined.ok()) << joined.status().ToString();
      rs[i].stamp = *joined;
      rs[i].vc.merge(rs[j].vc);
      rs.erase(rs.begin() + static_cast<std::ptrdiff_t>(j));
    } else if (kind == 4 && rs.size() >= 2) {  // exchange: join then fork
      const std::size_t i = pick(rs.size());
      std::size_t j = pick(rs.size() - 1);
      if (j >= i) ++j;
      Result<ItcStamp> joined = ItcStamp::join(rs[i].stamp, rs[j].stamp);
      ASSERT_TRUE(joined.ok());
      auto [a, b] = joined->fork();
      rs[i].stamp = a;
      rs[j].stamp = b;
      rs[i].vc.merge(rs[j].vc);
      rs[j].vc = rs[i].vc;
    } else if (kind == 5 && rs.size() >= 2) {  // message: j receives i's peek
      const std::size_t i = pick(rs.size());
      std::size_t j = pick(rs.size() - 1);
      if (j >= i) ++j;
      Result<ItcStamp> joined = ItcStamp::join(rs[j].stamp, rs[i].stamp.peek());
      ASSERT_TRUE(joined.ok());
      rs[j].stamp = *joined;
      rs[j].vc.merge(rs[i].vc);
    } else if (kind == 6 && rs.size() >= 2) {  // i is declared dead; j absorbs its last stamp
      const std::size_t i = pick(rs.size());
      std::size_t j = pick(rs.size() - 1);
      if (j >= i) ++j;
      ASSERT_TRUE(rs[j].stamp.absorb(rs[i].stamp).ok());
      rs[j].vc.merge(rs[i].vc);
      rs.erase(rs.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (rng() % 4 == 0) {
      const Replica& r = rs[pick(rs.size())];
      if (history.size() < 6) {
        history.push_back({r.stamp.peek(), r.vc});
      } else {
        history[pick(history.size())] = {r.stamp.peek(), r.vc};
      }
    }
    for (std::size_t a = 0; a < rs.size(); ++a) {
      for (std::size_t b = a + 1; b < rs.size(); ++b) {
        ASSERT_EQ(compare(rs[a].stamp, rs[b].stamp), compare(rs[a].vc, rs[b].vc))
            << "seed " << seed << " op " << op << ": " << rs[a].stamp.to_string() << " vs "
            << rs[b].stamp.to_string() << " / " << rs[a].vc.to_string() << " vs "
            << rs[b].vc.to_string();
      }
      for (const Snapshot& h : history) {
        ASSERT_EQ(compare(h.stamp, rs[a].stamp), compare(h.vc, rs[a].vc))
            << "seed " << seed << " op " << op;
      }
    }
  }
  // Ids stay disjoint and cover the interval: joining everything gives back the seed id.
  ItcStamp all = rs[0].stamp;
  for (std::size_t i = 1; i < rs.size(); ++i) {
    Result<ItcStamp> j = ItcStamp::join(all, rs[i].stamp);
    ASSERT_TRUE(j.ok());
    all = *j;
  }
  EXPECT_TRUE(all.id().is_one()) << "seed " << seed << ": " << all.id().to_string();
  for (const Replica& r : rs) CheckEncodings(r.stamp);
}

TEST(ItcPropertyTest, MatchesVectorClockOracleOnRandomRuns) {
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    RunOnce(seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace kairos::logical
