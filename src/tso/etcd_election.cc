#include "tso/etcd_election.h"

#include <time.h>

namespace kairos::tso {
namespace {

// The lease is timed on CLOCK_BOOTTIME, which counts time the machine spent suspended:
// CLOCK_MONOTONIC stops then, and a leader resumed after its lease ran out in etcd would
// take itself for fresh until its next keepalive failed.
MonoTime lease_clock() {
  timespec t{};
  ::clock_gettime(CLOCK_BOOTTIME, &t);
  return MonoTime(seconds(t.tv_sec) + nanoseconds(t.tv_nsec));
}

}  // namespace

EtcdElection::EtcdElection(EtcdClient& client, EtcdElectionOptions options)
    : client_(client), options_(std::move(options)), leader_key_(options_.prefix + "leader") {}

EtcdElection::~EtcdElection() { stop(); }

void EtcdElection::start() {
  if (options_.on_deposed) options_.on_deposed("not the leader (election starting)");
  thread_ = std::thread([this] { run(); });
}

void EtcdElection::stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EtcdElection::resign() {
  {
    std::lock_guard lock(mu_);
    resign_requested_ = true;
  }
  cv_.notify_all();
}

EtcdFence EtcdElection::fence() const {
  std::lock_guard lock(mu_);
  return {leader_key_, my_revision_};
}

std::string EtcdElection::leader_address() const {
  std::lock_guard lock(mu_);
  return leader_address_;
}

bool EtcdElection::lease_is_fresh() const {
  const MonoTime now = lease_clock();
  std::lock_guard lock(mu_);
  return my_revision_ != 0 && now < lease_valid_until_ - options_.lease_ttl / 3;
}

bool EtcdElection::is_leader() const {
  std::lock_guard lock(mu_);
  return my_revision_ != 0;
}

void EtcdElection::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    const bool resign = resign_requested_;
    resign_requested_ = false;
    lock.unlock();
    const MonoTime now = lease_clock();
    if (resign) {
      step_down("resigned", /*revoke=*/true);
      campaign_after_ = now + 5 * options_.poll;
    }
    keep_alive(now);
    if (!is_leader() && now >= campaign_after_) campaign(now);
    lock.lock();
    cv_.wait_for(lock, options_.poll, [this] { return stop_ || resign_requested_; });
  }
  lock.unlock();
  step_down("shutting down", /*revoke=*/true);
}

void EtcdElection::keep_alive(MonoTime now) {
  if (lease_ == 0) return;
  if (now >= next_keepalive_) {
    Result<Duration> ttl = client_.lease_keepalive(lease_);
    if (ttl.ok()) note_success(keepalive_failures_, now);
    if (ttl.ok() && *ttl > Duration(0)) {
      std::lock_guard lock(mu_);
      lease_valid_until_ = now + *ttl;
      next_keepalive_ = now + options_.lease_ttl / 3;
    } else if (ttl.ok()) {
      step_down("lease expired", /*revoke=*/false);
      lease_ = 0;
      return;
    } else {
      next_keepalive_ = now + options_.poll;  // retry soon
      note_failure(keepalive_failures_, now, ttl.status());
    }
  }
  // Step down while the lease is surely still ours: at 2/3 of the TTL without proof. The
  // lease goes too (revoked if etcd answers, else left to expire): kept alive, it would
  // hold the leader key for a node that no longer leads, and nobody could win.
  if (is_leader() && !lease_is_fresh()) {
    step_down("cannot reach etcd to keep the lease", /*revoke=*/true);
  }
}

void EtcdElection::campaign(MonoTime now) {
  if (lease_ == 0) {
    Result<std::int64_t> lease = client_.lease_grant(options_.lease_ttl);
    if (!lease.ok()) {
      note_failure(grant_failures_, now, lease.status());
      return;
    }
    note_success(grant_failures_, now);
    lease_ = *lease;
    std::lock_guard lock(mu_);
    lease_valid_until_ = now + options_.lease_ttl;
    next_keepalive_ = now + options_.lease_ttl / 3;
  }
  Result<EtcdTxnResult> r = client_.txn(
      {{EtcdCompare::Target::kCreateRevision, leader_key_, 0, ""}},
      {EtcdOp::Put(leader_key_, options_.address, lease_)}, {EtcdOp::Range(leader_key_)});
  if (!r.ok()) {
    note_failure(campaign_failures_, now, r.status());
    return;
  }
  note_success(campaign_failures_, now);
  const std::optional<EtcdKeyValue> holder = r->ranges.empty() ? std::nullopt : r->ranges[0];
  // The key under our own lease is ours: an earlier campaign won, but its reply was lost.
  const bool ours = r->succeeded || (holder && holder->lease == lease_);
  if (!ours) {
    std::lock_guard lock(mu_);
    leader_address_ = holder ? holder->value : "";
    return;
  }
  // A put that created the key did so at the txn's revision.
  const std::int64_t term = r->succeeded ? r->revision : holder->create_revision;
  {
    std::lock_guard lock(mu_);
    my_revision_ = term;
    leader_address_ = options_.address;
  }
  if (options_.log) options_.log("elected leader (term revision " + std::to_string(term) + ")");
  if (options_.on_elected) {
    if (Status s = options_.on_elected(); !s.ok()) {
      if (options_.log) options_.log("cannot serve as leader: " + s.message());
      step_down("could not take over: " + s.message(), /*revoke=*/true);
      campaign_after_ = lease_clock() + 10 * options_.poll;
    }
  }
}

void EtcdElection::step_down(const std::string& why, bool revoke) {
  bool was_leader = false;
  {
    std::lock_guard lock(mu_);
    was_leader = my_revision_ != 0;
    my_revision_ = 0;
    if (was_leader) leader_address_.clear();
  }
  // Stop serving first, then give the lease back.
  if (was_leader && options_.on_deposed) options_.on_deposed("not the leader (" + why + ")");
  if (was_leader && options_.log) options_.log("stepped down: " + why);
  if (revoke && lease_ != 0) {
    (void)client_.lease_revoke(lease_);
    lease_ = 0;
  }
}

void EtcdElection::note_failure(FailureReport& report, MonoTime now, const Status& error) {
  std::optional<std::string> line = report.failed(now, error.message());
  if (line && options_.warn) options_.warn(*line);
}

void EtcdElection::note_success(FailureReport& report, MonoTime now) {
  std::optional<std::string> line = report.succeeded(now);
  if (line && options_.log) options_.log(*line);
}

}  // namespace kairos::tso
