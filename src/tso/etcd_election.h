// EtcdElection: leadership among the kairos nodes sharing one etcd prefix.
//
// Each node holds an etcd lease (TTL `lease_ttl`, refreshed every third of it) and
// campaigns by creating `<prefix>leader` = its gRPC address, attached to the lease, only
// if the key does not exist. The node whose create succeeds leads until its lease ends:
// the key then vanishes and another node's next campaign (every `poll`) wins. A leader
// steps down on its own as soon as it cannot prove its lease alive for 2/3 of the TTL, so
// it stops serving before etcd can hand leadership to someone else.
//
// fence() gives the leader key and the create revision of this node's term; the etcd store
// puts it into every write's compare, so a deposed leader (lease expired, key deleted or
// re-created by another node) can never advance a high-water mark again.
//
// Thread safety: every method may be called from any thread; callbacks run on the
// election's own thread, one at a time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "kairos/status.h"
#include "kairos/time.h"
#include "tso/etcd_client.h"
#include "tso/failure_report.h"

namespace kairos::tso {

struct EtcdElectionOptions {
  std::string prefix = "/kairos/tso/";
  std::string address;  // this node's gRPC address, stored as the leader's value
  Duration lease_ttl = seconds(2);
  Duration poll = milliseconds(100);
  // Became leader: prepare to serve (recover from the store). An error resigns.
  std::function<Status()> on_elected;
  // Stopped being leader (or never started): stop serving at once.
  std::function<void(const std::string& why)> on_deposed;
  // Diagnostics ("elected", "deposed: lease expired", an etcd request working again).
  std::function<void(const std::string& event)> log;
  // Failed etcd requests: the first of a run at once, then summed up once a minute while
  // they go on (FailureReport), not once per retry.
  std::function<void(const std::string& problem)> warn;
};

struct EtcdFence {
  std::string leader_key;
  std::int64_t create_revision = 0;  // 0: this node does not lead
};

class EtcdElection {
 public:
  // `client` must outlive the election.
  EtcdElection(EtcdClient& client, EtcdElectionOptions options);
  ~EtcdElection();

  void start();
  // Steps down (if leading), revokes the lease and stops the thread.
  void stop();
  // Steps down and campaigns again after a pause of a few polls (lets others win).
  void resign();

  EtcdFence fence() const;
  // The leader's address as last seen ("" when unknown).
  std::string leader_address() const;
  bool is_leader() const;
  // Whether this node leads and its lease is surely alive now (checked on every request,
  // so a leader that was frozen past its lease serves nothing on waking). The lease is
  // timed on CLOCK_BOOTTIME, which also counts time spent suspended.
  bool lease_is_fresh() const;

 private:
  void run();
  void campaign(MonoTime now);
  void keep_alive(MonoTime now);
  void step_down(const std::string& why, bool revoke);
  void note_failure(FailureReport& report, MonoTime now, const Status& error);
  void note_success(FailureReport& report, MonoTime now);

  EtcdClient& client_;
  const EtcdElectionOptions options_;
  const std::string leader_key_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;              // guarded by mu_
  bool resign_requested_ = false;  // guarded by mu_
  std::int64_t my_revision_ = 0;   // guarded by mu_: create revision of our term, 0 if none
  std::string leader_address_;     // guarded by mu_
  MonoTime lease_valid_until_{};   // guarded by mu_; conservative: from when refresh was sent
  std::thread thread_;

  // Owned by the election thread.
  std::int64_t lease_ = 0;
  MonoTime next_keepalive_{};
  MonoTime campaign_after_{};
  FailureReport grant_failures_{"etcd lease grant"};
  FailureReport keepalive_failures_{"etcd lease keepalive"};
  FailureReport campaign_failures_{"etcd campaign"};
};

}  // namespace kairos::tso
