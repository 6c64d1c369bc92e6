#include "daemon/status_reply.h"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace kairos::daemon {
namespace {

using nlohmann::json;

// Reads typed fields of one JSON object; the first failure is kept in `error`, and later
// reads return defaults. `where` names the object in the message ("" at the top).
class FieldReader {
 public:
  FieldReader(const json& obj, std::string where, Status& error)
      : obj_(obj), where_(std::move(where)), error_(error) {}

  std::string text(const char* key) {
    const json* v = find(key, &json::is_string, "a string");
    return v != nullptr ? v->get<std::string>() : std::string();
  }
  bool flag(const char* key) {
    const json* v = find(key, &json::is_boolean, "a boolean");
    return v != nullptr && v->get<bool>();
  }
  double number(const char* key) {
    const json* v = find(key, &json::is_number, "a number");
    return v != nullptr ? v->get<double>() : 0.0;
  }
  std::int64_t int64(const char* key) {
    const json* v = find(key, &json::is_number_integer, "an integer");
    if (v == nullptr) return 0;
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX) {
      fail(key, "is out of range");
      return 0;
    }
    return v->get<std::int64_t>();
  }
  std::uint64_t count(const char* key) {
    const json* v = find(key, &json::is_number_integer, "an integer");
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned() && v->get<std::int64_t>() < 0) {
      fail(key, "is negative");
      return 0;
    }
    return v->get<std::uint64_t>();
  }
  int small(const char* key, int lo, int hi) {
    const std::int64_t v = int64(key);
    if (v < lo || v > hi) {
      fail(key, ("is outside " + std::to_string(lo) + ".." + std::to_string(hi)).c_str());
      return 0;
    }
    return static_cast<int>(v);
  }
  Duration nanos(const char* key) { return Duration(int64(key)); }
  // nullptr when absent or failed.
  const json* array(const char* key) { return find(key, &json::is_array, "an array"); }
  const json* object(const char* key) { return find(key, &json::is_object, "an object"); }
  // An object field that may also be null or absent (then nullptr, no error).
  const json* object_or_null(const char* key) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return object(key);
  }
 private:
  std::string path(const char* key) const { return where_ + key; }
  const json* find(const char* key, bool (json::*is)() const noexcept, const char* type) {
    if (!error_.ok()) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end()) {
      fail(key, "is missing");
      return nullptr;
    }
    if (!((*it).*is)()) {
      fail(key, (std::string("is not ") + type).c_str());
      return nullptr;
    }
    return &*it;
  }
  void fail(const char* key, const char* what) {
    if (error_.ok()) {
      error_ = Status::InvalidArgument("the daemon's /status reply: '" + path(key) + "' " + what);
    }
  }

  const json& obj_;
  const std::string where_;
  Status& error_;
};

SourceReport read_source(const json& s, const std::string& where, Status& error) {
  SourceReport out;
  if (!s.is_object()) {
    error = Status::InvalidArgument("the daemon's /status reply: '" + where + "' is not an object");
    return out;
  }
  FieldReader f(s, where + ".", error);
  out.address = f.text("address");
  out.state = f.text("state");
  out.stratum = static_cast<std::uint8_t>(f.small("stratum", 0, 255));
  out.offset = f.nanos("offset_ns");
  out.delay = f.nanos("delay_ns");
  out.jitter = f.nanos("jitter_ns");
  out.reach = static_cast<std::uint8_t>(f.small("reach", 0, 255));
  if (s.contains("last_error")) out.last_error = f.text("last_error");
  return out;
}

NtpServerReply read_ntp_server(const json& n, Status& error) {
  NtpServerReply out;
  FieldReader f(n, "ntp_server.", error);
  out.listen = f.text("listen");
  out.received = f.count("received");
  out.replied = f.count("replied");
  out.kod_sent = f.count("kod_sent");
  out.rate_limited = f.count("rate_limited");
  out.send_errors = f.count("send_errors");
  if (const json* dropped = f.object("dropped")) {
    FieldReader d(*dropped, "ntp_server.dropped.", error);
    for (const auto& [reason, v] : dropped->items()) {
      out.dropped.emplace_back(reason, d.count(reason.c_str()));
    }
  }
  return out;
}

}  // namespace

Result<StatusReply> parse_status_reply(std::string_view body) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("the daemon's /status reply is not a JSON object");
  }
  Status error;
  FieldReader f(j, "", error);
  StatusReply r;
  r.synchronized = f.flag("synchronized");
  r.status = f.text("status");
  r.ready = f.flag("ready");
  r.offset = f.nanos("offset_ns");
  r.error_bound = f.nanos("error_bound_ns");
  r.frequency_ppm = f.number("frequency_ppm");
  r.stratum = f.small("stratum", 0, 255);
  r.reference = f.text("reference");
  r.root_delay = f.nanos("root_delay_ns");
  r.root_dispersion = f.nanos("root_dispersion_ns");
  r.poll_s = f.int64("poll_s");
  if (const json* sources = f.array("sources")) {
    for (std::size_t i = 0; i < sources->size() && error.ok(); ++i) {
      r.sources.push_back(read_source((*sources)[i], "sources[" + std::to_string(i) + "]", error));
    }
  }
  if (const json* n = f.object_or_null("ntp_server"); n != nullptr && error.ok()) {
    r.ntp_server = read_ntp_server(*n, error);
  }
  if (!error.ok()) return error;
  return r;
}

}  // namespace kairos::daemon
