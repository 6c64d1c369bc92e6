#include "sim/scenario_reader.h"

#include <toml++/toml.h>

#include <cmath>
#include <set>
#include <sstream>

#include "sync/engine.h"

namespace kairos::sim {
namespace {

// One TOML table read strictly: every get consumes a key; finish() names the first key
// nobody read. Errors carry "file:line: prefix.key: what".
class Table {
 public:
  Table(const toml::table* table, const std::string& file, std::string prefix)
      : table_(table), file_(file), prefix_(std::move(prefix)) {}

  Status error(std::string_view key, std::string_view what) const {
    const toml::node* n = table_ != nullptr ? table_->get(key) : nullptr;
    return Status::InvalidArgument(where(n) + ": " + prefix_ + std::string(key) + ": " +
                                   std::string(what));
  }

  Status get_string(std::string_view key, std::string& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return Status::Ok();
    const auto* v = n->as_string();
    if (v == nullptr) return error(key, "expected a string");
    out = v->get();
    return Status::Ok();
  }

  Status get_int(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t& out) {
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

  template <typename T>
  Status get_small_int(std::string_view key, std::int64_t min, std::int64_t max, T& out) {
    std::int64_t v = out;
    if (Status s = get_int(key, min, max, v); !s.ok()) return s;
    out = static_cast<T>(v);
    return Status::Ok();
  }

  Status get_bool(std::string_view key, bool& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return Status::Ok();
    const auto* v = n->as_boolean();
    if (v == nullptr) return error(key, "expected true or false");
    out = v->get();
    return Status::Ok();
  }

  Status get_double(std::string_view key, double min, double max, double& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return Status::Ok();
    double v = 0.0;
    if (const auto* f = n->as_floating_point()) {
      v = f->get();
    } else if (const auto* i = n->as_integer()) {
      v = static_cast<double>(i->get());
    } else {
      return error(key, "expected a number");
    }
    if (!std::isfinite(v) || v < min || v > max) {
      std::ostringstream m;
      m << "must be between " << min << " and " << max;
      return error(key, m.str());
    }
    out = v;
    return Status::Ok();
  }

  Status get_duration(std::string_view key, Duration min, Duration max, Duration& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return Status::Ok();
    Result<Duration> d = duration_of(key, n);
    if (!d.ok()) return d.status();
    if (*d < min || *d > max) {
      return error(key, "must be between " + format_duration(min) + " and " + format_duration(max) +
                            ", got " + format_duration(*d));
    }
    out = *d;
    return Status::Ok();
  }

  Status get_strings(std::string_view key, std::vector<std::string>& out) {
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

  // An array of two-element arrays of durations: [["1m", "2m"], ...].
  Status get_pairs(std::string_view key, std::vector<std::pair<Duration, Duration>>& out) {
    const toml::node* n = find(key);
    if (n == nullptr) return Status::Ok();
    const auto* arr = n->as_array();
    const char* shape =
        "expected an array of [duration, duration] pairs such as [[\"1m\", \"2m\"]]";
    if (arr == nullptr) return error(key, shape);
    std::vector<std::pair<Duration, Duration>> values;
    for (const toml::node& e : *arr) {
      const auto* pair = e.as_array();
      if (pair == nullptr || pair->size() != 2) return error(key, shape);
      Result<Duration> a = duration_of(key, pair->get(0));
      if (!a.ok()) return a.status();
      Result<Duration> b = duration_of(key, pair->get(1));
      if (!b.ok()) return b.status();
      values.emplace_back(*a, *b);
    }
    out = std::move(values);
    return Status::Ok();
  }

  const toml::node* get_node(std::string_view key) { return find(key); }

  Status finish() const {
    if (table_ == nullptr) return Status::Ok();
    for (const auto& [k, node] : *table_) {
      if (!consumed_.contains(k.str())) {
        return Status::InvalidArgument(where(&node) + ": unknown key '" + prefix_ +
                                       std::string(k.str()) + "'");
      }
    }
    return Status::Ok();
  }

 private:
  const toml::node* find(std::string_view key) {
    consumed_.emplace(key);
    return table_ == nullptr ? nullptr : table_->get(key);
  }

  Result<Duration> duration_of(std::string_view key, const toml::node* n) const {
    const auto* v = n != nullptr ? n->as_string() : nullptr;
    if (v == nullptr) {
      return error(key, "expected a duration string such as \"250ms\"");
    }
    Result<Duration> d = parse_duration(v->get());
    if (!d.ok()) return error(key, d.status().message());
    return *d;
  }

  std::string where(const toml::node* n) const {
    std::string s = file_;
    if (n != nullptr && n->source().begin) s += ":" + std::to_string(n->source().begin.line);
    return s;
  }

  const toml::table* table_;
  const std::string& file_;
  std::string prefix_;
  std::set<std::string, std::less<>> consumed_;
};

constexpr Duration kMaxDuration = hours(24 * 365);
constexpr Duration kMaxOffset = hours(24 * 365 * 10);

Status read_windows(Table& t, std::string_view key, std::vector<Window>& out) {
  std::vector<std::pair<Duration, Duration>> pairs;
  if (Status s = t.get_pairs(key, pairs); !s.ok()) return s;
  for (const auto& [from, to] : pairs) {
    if (from < Duration(0) || to <= from || to > kMaxDuration) {
      return t.error(key, "each window is [from, to) with 0 <= from < to");
    }
    out.push_back({from, to});
  }
  return Status::Ok();
}

Status read_scenario_table(Table t, Scenario& sc) {
  std::int64_t seed = static_cast<std::int64_t>(sc.seed);
  Status s;
  if (!(s = t.get_string("name", sc.name)).ok()) return s;
  if (!(s = t.get_string("description", sc.description)).ok()) return s;
  if (!(s = t.get_duration("duration", seconds(1), kMaxDuration, sc.duration)).ok()) return s;
  if (!(s = t.get_int("seed", 0, INT64_MAX, seed)).ok()) return s;
  if (!(s = t.get_duration("sample_interval", milliseconds(10), hours(24), sc.sample_interval))
           .ok()) {
    return s;
  }
  sc.seed = static_cast<std::uint64_t>(seed);
  return t.finish();
}

Status read_link(Table t, LinkSpec& l) {
  Status s;
  std::string dist = "exponential";
  if (!(s = t.get_duration("delay", Duration(0), seconds(10), l.delay)).ok()) return s;
  if (!(s = t.get_duration("jitter", Duration(0), seconds(10), l.jitter)).ok()) return s;
  if (!(s = t.get_string("distribution", dist)).ok()) return s;
  if (!(s = t.get_duration("asymmetry", -seconds(20), seconds(20), l.asymmetry)).ok()) return s;
  if (!(s = t.get_double("loss", 0.0, 1.0, l.loss)).ok()) return s;
  if (!(s = t.get_double("reorder", 0.0, 1.0, l.reorder)).ok()) return s;
  if (!(s = t.get_duration("reorder_delay", Duration(0), minutes(10), l.reorder_delay)).ok()) {
    return s;
  }
  if (!(s = t.get_double("spike_probability", 0.0, 1.0, l.spike_probability)).ok()) return s;
  if (!(s = t.get_duration("spike_delay", Duration(0), seconds(10), l.spike_delay)).ok()) {
    return s;
  }
  if (!(s = read_windows(t, "outages", l.outages)).ok()) return s;
  if (dist == "uniform") {
    l.distribution = JitterDistribution::kUniform;
  } else if (dist == "exponential") {
    l.distribution = JitterDistribution::kExponential;
  } else if (dist == "spikes") {
    l.distribution = JitterDistribution::kSpikes;
  } else {
    return t.error("distribution", "expected \"uniform\", \"exponential\" or \"spikes\"");
  }
  const Duration half = l.asymmetry < Duration(0) ? -l.asymmetry / 2 : l.asymmetry / 2;
  if (half > l.delay) {
    return t.error("asymmetry", "|asymmetry|/2 must not exceed delay (no leg is negative)");
  }
  return t.finish();
}

Status read_server(Table t, ServerSpec& sv) {
  Status s;
  std::string kind = "honest";
  if (!(s = t.get_string("name", sv.name)).ok()) return s;
  if (!(s = t.get_string("kind", kind)).ok()) return s;
  if (!(s = t.get_small_int("stratum", 1, 15, sv.stratum)).ok()) return s;
  if (!(s = t.get_duration("offset", -kMaxOffset, kMaxOffset, sv.offset)).ok()) return s;
  if (!(s = t.get_duration("root_delay", Duration(0), seconds(16), sv.root_delay)).ok()) return s;
  if (!(s = t.get_duration("root_dispersion", Duration(0), seconds(16), sv.root_dispersion)).ok()) {
    return s;
  }
  if (!(s = t.get_duration("lie", -kMaxOffset, kMaxOffset, sv.lie)).ok()) return s;
  if (!(s = t.get_double("lie_drift_ppm", -1e5, 1e5, sv.lie_drift_ppm)).ok()) return s;
  if (!(s = t.get_duration("flap_up", Duration(0), kMaxDuration, sv.flap_up)).ok()) return s;
  if (!(s = t.get_duration("flap_down", Duration(0), kMaxDuration, sv.flap_down)).ok()) return s;
  if (!(s = t.get_duration("processing", Duration(0), seconds(1), sv.processing)).ok()) return s;
  if (!(s = read_windows(t, "outages", sv.outages)).ok()) return s;
  if (kind == "honest") {
    sv.kind = ServerKind::kHonest;
  } else if (kind == "falseticker") {
    sv.kind = ServerKind::kFalseticker;
  } else if (kind == "flapping") {
    sv.kind = ServerKind::kFlapping;
    if (sv.flap_up + sv.flap_down <= Duration(0)) {
      return t.error("flap_up", "flap_up + flap_down must be positive");
    }
  } else {
    return t.error("kind", "expected \"honest\", \"falseticker\" or \"flapping\"");
  }
  return t.finish();
}

Status read_engine(Table t, sync::EngineConfig& e) {
  Status s;
  const Duration big = hours(24 * 365);
  if (!(s = t.get_double("max_slew_ppm", 1.0, 1e5, e.max_slew_ppm)).ok()) return s;
  if (!(s = t.get_duration("step_threshold", Duration(0), big, e.step_threshold)).ok()) return s;
  if (!(s = t.get_small_int("step_updates", 0, 1'000'000, e.step_updates)).ok()) return s;
  if (!(s = t.get_duration("initial_step_threshold", Duration(0), big, e.initial_step_threshold))
           .ok()) {
    return s;
  }
  if (!(s = t.get_bool("allow_step", e.allow_step)).ok()) return s;
  if (!(s = t.get_duration("panic_threshold", Duration(0), big, e.panic_threshold)).ok()) return s;
  if (!(s = t.get_bool("force", e.force)).ok()) return s;
  if (!(s = t.get_duration("min_slew_duration", milliseconds(1), hours(24), e.min_slew_duration))
           .ok()) {
    return s;
  }
  if (!(s = t.get_double("max_drift_ppm", 0.0, 1e4, e.max_drift_ppm)).ok()) return s;
  if (!(s = t.get_double("max_frequency_ppm", 0.0, 1e4, e.max_frequency_ppm)).ok()) return s;
  if (!(s = t.get_double("initial_frequency_error_ppm", 0.0, 1e4, e.initial_frequency_error_ppm))
           .ok()) {
    return s;
  }
  if (!(s = t.get_small_int("frequency_points", 2, 1024, e.frequency_points)).ok()) return s;
  if (!(s = t.get_small_int("precision_log2", -32, 0, e.precision_log2)).ok()) return s;
  if (!(s = t.get_duration("max_distance", milliseconds(1), seconds(16), e.max_distance)).ok()) {
    return s;
  }
  if (!(s = t.get_small_int("min_sources", 1, 64, e.min_sources)).ok()) return s;
  if (!(s = t.get_small_int("min_survivors", 1, 64, e.min_survivors)).ok()) return s;
  if (!(s = t.get_small_int("minpoll", 0, 17, e.minpoll)).ok()) return s;
  if (!(s = t.get_small_int("maxpoll", 0, 17, e.maxpoll)).ok()) return s;
  if (!(s = t.get_small_int("learning_poll", 0, 17, e.learning_poll)).ok()) return s;
  if (!(s = t.get_duration("target_delta", microseconds(1), seconds(16), e.target_delta)).ok()) {
    return s;
  }
  if (!(s = t.get_small_int("burst_count", 1, 16, e.burst_count)).ok()) return s;
  if (!(s = t.get_duration("burst_interval", milliseconds(100), minutes(10), e.burst_interval))
           .ok()) {
    return s;
  }
  if (e.maxpoll < e.minpoll) return t.error("maxpoll", "must be >= minpoll");
  return t.finish();
}

Status read_node(Table t, NodeSpec& n, const std::string& file, const std::string& prefix) {
  Status s;
  std::int64_t count = n.count;
  std::vector<std::pair<Duration, Duration>> steps;
  if (!(s = t.get_string("name", n.name)).ok()) return s;
  if (!(s = t.get_int("count", 1, kMaxNodes, count)).ok()) return s;
  if (!(s = t.get_strings("upstreams", n.upstreams)).ok()) return s;
  if (!(s = t.get_string("link", n.link)).ok()) return s;
  if (!(s = t.get_duration("start", Duration(0), kMaxDuration, n.start)).ok()) return s;
  if (!(s = t.get_duration("offset", -kMaxOffset, kMaxOffset, n.offset)).ok()) return s;
  if (!(s = t.get_duration("offset_spread", Duration(0), kMaxOffset, n.offset_spread)).ok()) {
    return s;
  }
  if (!(s = t.get_double("drift_ppm", -1000.0, 1000.0, n.drift_ppm)).ok()) return s;
  if (!(s = t.get_double("drift_spread_ppm", 0.0, 1000.0, n.drift_spread_ppm)).ok()) return s;
  if (!(s = t.get_double("wander_ppm", 0.0, 100.0, n.wander_ppm)).ok()) return s;
  if (!(s = t.get_pairs("steps", steps)).ok()) return s;
  if (!(s = t.get_double("step_rate_per_hour", 0.0, 3600.0, n.step_rate_per_hour)).ok()) return s;
  if (!(s = t.get_duration("step_size", Duration(0), kMaxOffset, n.step_size)).ok()) return s;
  if (!(s = t.get_bool("announce_steps", n.announce_steps)).ok()) return s;
  if (!(s = t.get_duration("step_uncertainty", Duration(0), seconds(1), n.step_uncertainty)).ok()) {
    return s;
  }
  if (!(s = t.get_duration("processing", Duration(0), seconds(1), n.processing)).ok()) return s;
  const toml::node* engine = t.get_node("engine");
  if (engine != nullptr) {
    if (engine->as_table() == nullptr) return t.error("engine", "expected a table");
    if (!(s = read_engine(Table(engine->as_table(), file, prefix + "engine."), n.engine)).ok()) {
      return s;
    }
  }
  for (const auto& [at, amount] : steps) {
    if (at < Duration(0) || amount < -kMaxOffset || amount > kMaxOffset) {
      return t.error("steps", "each step is [at, amount] with at >= 0");
    }
    n.steps.push_back({at, amount});
  }
  n.count = static_cast<int>(count);
  return t.finish();
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Status validate_scenario(const Scenario& sc) {
  std::set<std::string, std::less<>> names;
  auto check_name = [&](const std::string& what, const std::string& name) -> Status {
    if (!valid_name(name)) {
      return Status::InvalidArgument(what + ": name '" + name +
                                     "' must be 1-64 characters of [A-Za-z0-9_.-]");
    }
    if (!names.insert(name).second) {
      return Status::InvalidArgument(what + ": name '" + name + "' is used twice");
    }
    return Status::Ok();
  };
  std::set<std::string, std::less<>> links;
  for (const LinkSpec& l : sc.links) {
    if (!valid_name(l.name) || !links.insert(l.name).second) {
      return Status::InvalidArgument("links: bad or repeated link name '" + l.name + "'");
    }
  }
  for (std::size_t i = 0; i < sc.servers.size(); ++i) {
    if (Status s = check_name("server[" + std::to_string(i) + "]", sc.servers[i].name); !s.ok()) {
      return s;
    }
  }
  std::int64_t total = 0;
  for (std::size_t i = 0; i < sc.nodes.size(); ++i) {
    if (Status s = check_name("node[" + std::to_string(i) + "]", sc.nodes[i].name); !s.ok()) {
      return s;
    }
    total += sc.nodes[i].count;
  }
  if (total == 0) return Status::InvalidArgument("scenario: no [[node]]: nothing to simulate");
  if (total > kMaxNodes) {
    return Status::InvalidArgument("scenario: " + std::to_string(total) + " nodes, at most " +
                                   std::to_string(kMaxNodes));
  }
  const std::int64_t ticks = sc.duration / sc.sample_interval + 1;
  if (ticks > kMaxSamples / total) {
    return Status::InvalidArgument("scenario: nodes × duration / sample_interval is above " +
                                   std::to_string(kMaxSamples) +
                                   " samples: raise sample_interval or shorten the scenario");
  }
  for (std::size_t i = 0; i < sc.nodes.size(); ++i) {
    const NodeSpec& n = sc.nodes[i];
    const std::string where = "node[" + std::to_string(i) + "] '" + n.name + "'";
    if (n.upstreams.empty()) return Status::InvalidArgument(where + ": upstreams is empty");
    if (!n.link.empty() && !links.contains(n.link)) {
      return Status::InvalidArgument(where + ": link '" + n.link + "' is not defined in [links]");
    }
    if (n.link.empty() && sc.links.size() != 1) {
      return Status::InvalidArgument(where + ": set link (it is optional only with one [links.*])");
    }
    std::int64_t sources = 0;
    std::set<std::string, std::less<>> seen;
    for (const std::string& up : n.upstreams) {
      if (!seen.insert(up).second) {
        return Status::InvalidArgument(where + ": upstream '" + up + "' is listed twice");
      }
      if (up == n.name) return Status::InvalidArgument(where + ": a node cannot poll itself");
      bool found = false;
      for (const ServerSpec& s : sc.servers) found = found || s.name == up;
      if (found) {
        ++sources;
        continue;
      }
      for (const NodeSpec& other : sc.nodes) {
        if (other.name == up) {
          found = true;
          sources += other.count;
        }
      }
      if (!found) {
        return Status::InvalidArgument(where + ": upstream '" + up +
                                       "' is neither a [[server]] nor a [[node]] name");
      }
    }
    if (sources > static_cast<std::int64_t>(sync::Engine::kMaxSources)) {
      return Status::InvalidArgument(where + ": " + std::to_string(sources) +
                                     " upstream sources, the engine takes at most " +
                                     std::to_string(sync::Engine::kMaxSources));
    }
  }
  return Status::Ok();
}

Result<Scenario> parse_scenario(std::string_view text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << file << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return Status::InvalidArgument(msg.str());
  }
  Scenario sc;
  Table top(&root, file, "");
  Status s;
  const toml::node* scenario = top.get_node("scenario");
  if (scenario != nullptr && scenario->as_table() == nullptr) {
    return top.error("scenario", "expected a table");
  }
  if (scenario != nullptr) {
    if (!(s = read_scenario_table(Table(scenario->as_table(), file, "scenario."), sc)).ok()) {
      return s;
    }
  }
  if (const toml::node* links = top.get_node("links")) {
    if (links->as_table() == nullptr) return top.error("links", "expected a table of links");
    for (const auto& [k, v] : *links->as_table()) {
      const std::string prefix = "links." + std::string(k.str()) + ".";
      if (v.as_table() == nullptr) {
        return Table(links->as_table(), file, "links.").error(k.str(), "expected a table");
      }
      LinkSpec l;
      l.name = std::string(k.str());
      if (!(s = read_link(Table(v.as_table(), file, prefix), l)).ok()) return s;
      sc.links.push_back(std::move(l));
    }
  }
  auto array_of_tables = [&](std::string_view key) -> Result<const toml::array*> {
    const toml::node* n = top.get_node(key);
    if (n == nullptr) return static_cast<const toml::array*>(nullptr);
    const toml::array* arr = n->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      return top.error(key, "expected [[" + std::string(key) + "]] tables");
    }
    return arr;
  };
  Result<const toml::array*> servers = array_of_tables("server");
  if (!servers.ok()) return servers.status();
  if (*servers != nullptr) {
    int i = 0;
    for (const toml::node& e : **servers) {
      ServerSpec sv;
      const std::string prefix = "server[" + std::to_string(i++) + "].";
      if (!(s = read_server(Table(e.as_table(), file, prefix), sv)).ok()) return s;
      sc.servers.push_back(std::move(sv));
    }
  }
  Result<const toml::array*> nodes = array_of_tables("node");
  if (!nodes.ok()) return nodes.status();
  if (*nodes != nullptr) {
    int i = 0;
    for (const toml::node& e : **nodes) {
      NodeSpec n;
      const std::string prefix = "node[" + std::to_string(i++) + "].";
      if (!(s = read_node(Table(e.as_table(), file, prefix), n, file, prefix)).ok()) return s;
      sc.nodes.push_back(std::move(n));
    }
  }
  if (!(s = top.finish()).ok()) return s;
  if (!(s = validate_scenario(sc)).ok()) return s.WithContext(file);
  return sc;
}

}  // namespace kairos::sim
