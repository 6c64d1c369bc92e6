#include "tso/endpoint_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "kairos/clock.h"

namespace kairos::tso {

// One lookup, shared by the callers waiting for it until their deadlines and by the
// thread that runs it and ends it whenever the answer comes.
struct EndpointResolver::Lookup {
  Lookup(std::string ep, std::string h, std::string p)
      : endpoint(std::move(ep)), host(std::move(h)), port(std::move(p)) {}

  const std::string endpoint, host, port;
  std::shared_ptr<Cache> cache;  // set when started, reset when ended (no cycle remains)
  std::mutex mu;
  std::condition_variable ended_cv;
  std::optional<Result<std::vector<ResolvedAddress>>> result;  // guarded by mu, once ended
};

struct EndpointResolver::Cache {
  std::mutex mu;
  std::map<std::string, std::vector<ResolvedAddress>> last_good;  // guarded by mu
  std::map<std::string, std::shared_ptr<Lookup>> under_way;       // guarded by mu
};

namespace {

using Lookup = EndpointResolver::Lookup;

std::vector<ResolvedAddress> addresses_of(const addrinfo* list) {
  std::vector<ResolvedAddress> out;
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
    ResolvedAddress r;
    std::memcpy(&r.storage, a->ai_addr, a->ai_addrlen);
    r.length = a->ai_addrlen;
    out.push_back(r);
  }
  return out;
}

// Ends `l`: keeps its addresses, lets the next call start a new lookup, and wakes the
// callers waiting.
void end_lookup(Lookup& l, Result<std::vector<ResolvedAddress>> result) {
  {
    std::lock_guard lock(l.cache->mu);
    if (result.ok()) l.cache->last_good[l.endpoint] = *result;
    l.cache->under_way.erase(l.endpoint);
  }
  l.cache.reset();
  {
    std::lock_guard lock(l.mu);
    l.result = std::move(result);
  }
  l.ended_cv.notify_all();
}

// The blocking lookup, on the lookup's own thread.
Result<std::vector<ResolvedAddress>> getaddrinfo_all(const std::string& host,
                                                     const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &list); rc != 0) {
    return Status::Unavailable(rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc));
  }
  std::vector<ResolvedAddress> out = addresses_of(list);
  ::freeaddrinfo(list);
  return out;
}

// Starts `l`, which is under way for its endpoint in `cache`, on a thread of its own: it
// is not joined, since a lookup may outlast the resolver (the thread shares `l`).
void start_lookup(const std::shared_ptr<Lookup>& l,
                  std::shared_ptr<EndpointResolver::Cache> cache) {
  l->cache = std::move(cache);
  try {
    std::thread([l] { end_lookup(*l, getaddrinfo_all(l->host, l->port)); }).detach();
  } catch (const std::system_error& e) {
    end_lookup(*l, Status::Unavailable(std::string("cannot start a lookup: ") + e.what()));
  }
}

// Waits for `l` until `deadline`: its addresses, or why there are none.
Result<std::vector<ResolvedAddress>> wait_for(Lookup& l, MonoTime deadline) {
  const MonoTime start = SystemClock::instance().monotonic();
  const Duration left =
      deadline > start ? std::min<Duration>(deadline - start, hours(1)) : Duration(0);
  std::unique_lock lock(l.mu);
  l.ended_cv.wait_for(lock, left, [&] { return l.result.has_value(); });
  if (!l.result) {
    return Status::Unavailable("no answer within " +
                               format_duration(SystemClock::instance().monotonic() - start));
  }
  return *l.result;
}

}  // namespace

std::string ResolvedAddress::host() const {
  char text[INET6_ADDRSTRLEN] = {};
  const void* raw =
      storage.ss_family == AF_INET6
          ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr)
          : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr);
  if (::inet_ntop(storage.ss_family, raw, text, sizeof text) == nullptr) return "?";
  return text;
}

EndpointResolver::EndpointResolver() : cache_(std::make_shared<Cache>()) {}

Result<std::vector<ResolvedAddress>> EndpointResolver::resolve(const std::string& endpoint,
                                                               MonoTime deadline) {
  const std::size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == endpoint.size()) {
    return Status::InvalidArgument("etcd endpoint '" + endpoint + "' is not HOST:PORT");
  }
  std::string host = endpoint.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = endpoint.substr(colon + 1);

  // A numeric address: no lookup, nothing that can block.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* numeric = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &numeric) == 0) {
    std::vector<ResolvedAddress> out = addresses_of(numeric);
    ::freeaddrinfo(numeric);
    return out;
  }

  // Join the lookup under way for this endpoint, or start one.
  std::shared_ptr<Lookup> lookup;
  bool start = false;
  bool have_last_good = false;
  {
    std::lock_guard lock(cache_->mu);
    std::shared_ptr<Lookup>& slot = cache_->under_way[endpoint];
    if (slot == nullptr) {
      slot = std::make_shared<Lookup>(endpoint, host, port);
      start = true;
    }
    lookup = slot;
    have_last_good = cache_->last_good.contains(endpoint);
  }
  if (start) start_lookup(lookup, cache_);
  // With addresses at hand, half the time for a fresh answer leaves the rest to use them.
  const MonoTime now = SystemClock::instance().monotonic();
  const MonoTime wait_until =
      have_last_good && deadline > now ? now + (deadline - now) / 2 : deadline;
  Result<std::vector<ResolvedAddress>> found = wait_for(*lookup, wait_until);
  if (found.ok()) return found;
  std::lock_guard lock(cache_->mu);
  if (auto it = cache_->last_good.find(endpoint); it != cache_->last_good.end()) return it->second;
  return Status::Unavailable("cannot resolve etcd endpoint " + endpoint + ": " +
                             found.status().message());
}

}  // namespace kairos::tso
