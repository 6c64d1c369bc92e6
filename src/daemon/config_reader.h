// ConfigTable: typed, strict reading of one TOML table of the daemon's config.
//
// Every get* consumes a key; finish() then reports the first key nobody consumed, so an
// unknown (misspelt) key is an error rather than silently ignored. Errors name the file,
// the line and the dotted key: "kairos.toml:12: ntp.threads: expected an integer".
//
// Thread safety: not thread-safe; config is read once at start.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::daemon {

class ConfigTable {
 public:
  // `table` may be null (section absent): every get leaves its default in place.
  ConfigTable(const toml::table* table, std::string file, std::string prefix);

  Status get_string(std::string_view key, std::string& out);
  Status get_int(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out);
  Status get_bool(std::string_view key, bool& out);
  // A finite number (an integer is taken as one); nan and inf are errors.
  Status get_double(std::string_view key, double& out);
  // A string such as "250ms" (see parse_duration).
  Status get_duration(std::string_view key, Duration& out);
  // An array of strings.
  Status get_strings(std::string_view key, std::vector<std::string>& out);
  // The raw node (null when absent), for shapes the typed getters do not cover.
  const toml::node* get_node(std::string_view key) { return find(key); }
  // A sub-table (a [section]): null when absent, an error when the key is not a table.
  Status get_table(std::string_view key, const toml::table*& out);

  // Error naming a key and its line, for checks the caller does after reading.
  Status error(std::string_view key, std::string_view what) const;
  // The first unconsumed key, as an error; OK when all were read.
  Status finish() const;

 private:
  const toml::node* find(std::string_view key);
  std::string where(const toml::node* node) const;

  const toml::table* table_;
  std::string file_;
  std::string prefix_;
  std::set<std::string, std::less<>> consumed_;
};

// Parses TOML text; a syntax error names the file, line and column.
Result<toml::table> parse_toml(std::string_view text, const std::string& file);

}  // namespace kairos::daemon
