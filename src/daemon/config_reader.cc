#include "daemon/config_reader.h"

#include <cmath>
#include <sstream>

namespace kairos::daemon {

ConfigTable::ConfigTable(const toml::table* table, std::string file, std::string prefix)
    : table_(table), file_(std::move(file)), prefix_(std::move(prefix)) {}

const toml::node* ConfigTable::find(std::string_view key) {
  consumed_.emplace(key);
  if (table_ == nullptr) return nullptr;
  return table_->get(key);
}

std::string ConfigTable::where(const toml::node* node) const {
  std::string s = file_;
  if (node != nullptr && node->source().begin) s += ":" + std::to_string(node->source().begin.line);
  return s;
}

Status ConfigTable::error(std::string_view key, std::string_view what) const {
  const toml::node* node = table_ != nullptr ? table_->get(key) : nullptr;
  return Status::InvalidArgument(where(node) + ": " + prefix_ + std::string(key) + ": " +
                                 std::string(what));
}

Status ConfigTable::get_string(std::string_view key, std::string& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return Status::Ok();
  if (const auto* v = n->as_string()) {
    out = v->get();
    return Status::Ok();
  }
  return error(key, "expected a string");
}

Status ConfigTable::get_int(std::string_view key, std::int64_t min, std::int64_t max,
                            std::int64_t& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return Status::Ok();
  const auto* v = n->as_integer();
  if (v == nullptr) return error(key, "expected an integer");
  if (v->get() < min || v->get() > max) {
    return error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                          ", got " + std::to_string(v->get()));
  }
  out = v->get();
  return Status::Ok();
}

Status ConfigTable::get_bool(std::string_view key, bool& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return Status::Ok();
  if (const auto* v = n->as_boolean()) {
    out = v->get();
    return Status::Ok();
  }
  return error(key, "expected true or false");
}

Status ConfigTable::get_double(std::string_view key, double& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return Status::Ok();
  if (const auto* v = n->as_floating_point()) {
    // TOML has nan and inf; no setting means either, and NaN passes every range check.
    if (!std::isfinite(v->get())) return error(key, "expected a finite number");
    out = v->get();
    return Status::Ok();
  }
  if (const auto* v = n->as_integer()) {
    out = static_cast<double>(v->get());
    return Status::Ok();
  }
  return error(key, "expected a number");
}

Status ConfigTable::get_duration(std::string_view key, Duration& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return Status::Ok();
  const auto* v = n->as_string();
  if (v == nullptr) return error(key, "expected a duration string such as \"250ms\"");
  Result<Duration> d = parse_duration(v->get());
  if (!d.ok()) return error(key, d.status().message());
  out = *d;
  return Status::Ok();
}

Status ConfigTable::get_strings(std::string_view key, std::vector<std::string>& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return Status::Ok();
  const auto* arr = n->as_array();
  if (arr == nullptr) return error(key, "expected an array of strings");
  std::vector<std::string> values;
  for (const toml::node& e : *arr) {
    const auto* s = e.as_string();
    if (s == nullptr) return error(key, "expected an array of strings");
    values.push_back(s->get());
  }
  out = std::move(values);
  return Status::Ok();
}

Status ConfigTable::get_table(std::string_view key, const toml::table*& out) {
  const toml::node* n = find(key);
  out = nullptr;
  if (n == nullptr) return Status::Ok();
  out = n->as_table();
  if (out == nullptr) return error(key, "expected a [" + std::string(key) + "] section");
  return Status::Ok();
}

Status ConfigTable::finish() const {
  if (table_ == nullptr) return Status::Ok();
  for (const auto& [k, node] : *table_) {
    if (!consumed_.contains(k.str())) {
      return Status::InvalidArgument(where(&node) + ": unknown key '" + prefix_ +
                                     std::string(k.str()) + "'");
    }
  }
  return Status::Ok();
}

Result<toml::table> parse_toml(std::string_view text, const std::string& file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << file << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return Status::InvalidArgument(msg.str());
  }
}

}  // namespace kairos::daemon
