#include "tso/etcd_store.h"

#include <charconv>

#include "tso/hwm_file_format.h"

namespace kairos::tso {
namespace {

Result<std::uint64_t> parse_mark(std::string_view key, std::string_view text) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
    return Status::Internal("etcd mark '" + std::string(key) + "' is not a decimal uint64");
  }
  return v;
}

}  // namespace

EtcdStore::EtcdStore(EtcdClient& client, std::string prefix, std::function<EtcdFence()> fence)
    : client_(client), prefix_(std::move(prefix)), fence_(std::move(fence)) {}

Result<std::uint64_t> EtcdStore::load(std::string_view key) {
  Result<std::optional<EtcdKeyValue>> kv = client_.get(prefix_ + "hwm/" + std::string(key));
  if (!kv.ok()) return kv.status();
  if (!*kv) return std::uint64_t{0};
  return parse_mark(key, (*kv)->value);
}

Status EtcdStore::compare_and_set(std::string_view key, std::uint64_t expected,
                                  std::uint64_t value) {
  if (Status s = validate_hwm_key(key); !s.ok()) return s;
  const EtcdFence fence = fence_();
  if (fence.create_revision == 0) {
    return Status::FailedPrecondition("not the leader: refusing to write mark '" +
                                      std::string(key) + "'");
  }
  const std::string mark_key = prefix_ + "hwm/" + std::string(key);
  EtcdCompare mark_is_expected =
      expected == 0
          ? EtcdCompare{EtcdCompare::Target::kVersion, mark_key, 0, ""}
          : EtcdCompare{EtcdCompare::Target::kValue, mark_key, 0, std::to_string(expected)};
  Result<EtcdTxnResult> r = client_.txn(
      {{EtcdCompare::Target::kCreateRevision, fence.leader_key, fence.create_revision, ""},
       mark_is_expected},
      {EtcdOp::Put(mark_key, std::to_string(value))},
      {EtcdOp::Range(fence.leader_key), EtcdOp::Range(mark_key)});
  if (!r.ok()) return r.status().WithContext("writing mark '" + std::string(key) + "'");
  if (r->succeeded) return Status::Ok();
  const bool leader_ok = r->ranges.size() > 0 && r->ranges[0] &&
                         r->ranges[0]->create_revision == fence.create_revision;
  if (!leader_ok) {
    return Status::FailedPrecondition("fenced: this node's leadership (term revision " +
                                      std::to_string(fence.create_revision) + ") is over; mark '" +
                                      std::string(key) + "' not written");
  }
  // Under this node's fence only this node writes: a mark that moved is its own write,
  // applied although its answer was lost (the client may even have sent it again to the
  // next member, which found it done).
  const std::string now = r->ranges.size() > 1 && r->ranges[1] ? r->ranges[1]->value : "absent";
  if (now == std::to_string(value)) return Status::Ok();
  return Status::Unavailable("mark '" + std::string(key) + "' is " + now + ", expected " +
                             std::to_string(expected) +
                             ": an earlier write of this leader landed after its answer was lost");
}

std::string EtcdStore::describe() const { return "etcd " + client_.describe() + " " + prefix_; }

}  // namespace kairos::tso
