// EtcdStore: a Store whose marks live in etcd under `<prefix>hwm/<key>` (decimal text), for
// high availability. Every write is one etcd txn that succeeds only if the mark still holds
// the expected value AND the election's leader key still has this node's create revision
// (the fence): a node that is not, or no longer, the leader cannot move a mark.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <string>

#include "tso/etcd_client.h"
#include "tso/etcd_election.h"
#include "tso/store.h"

namespace kairos::tso {

class EtcdStore final : public Store {
 public:
  // `client` must outlive the store; `fence` says under which term writes are allowed.
  EtcdStore(EtcdClient& client, std::string prefix, std::function<EtcdFence()> fence);

  Result<std::uint64_t> load(std::string_view key) override;
  Status compare_and_set(std::string_view key, std::uint64_t expected,
                         std::uint64_t value) override;
  std::string describe() const override;

 private:
  EtcdClient& client_;
  const std::string prefix_;
  const std::function<EtcdFence()> fence_;
};

}  // namespace kairos::tso
