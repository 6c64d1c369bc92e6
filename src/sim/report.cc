#include "sim/report.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>

namespace kairos::sim {
namespace {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string i64(std::int64_t v) { return std::to_string(v); }

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string seconds_text(Duration d) { return fmt("%.3f", to_seconds(d)); }

}  // namespace

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p * static_cast<double>(sorted.size()));
  const std::size_t index = rank < 1.0 ? 0 : static_cast<std::size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

Overall overall(const SimResult& r) {
  Overall o;
  std::vector<std::int64_t> all;
  for (const NodeStats& n : r.nodes) {
    all.insert(all.end(), n.abs_error_ns.begin(), n.abs_error_ns.end());
    o.ticks_checked += n.ticks_checked;
    o.ticks_contained += n.ticks_contained;
    o.checks += n.checks;
    o.violations += n.violations;
    o.worst_violation = std::max(o.worst_violation, n.worst_violation);
    if (n.time_to_sync) {
      o.max_time_to_sync = std::max(o.max_time_to_sync, *n.time_to_sync);
    } else {
      ++o.never_synced;
    }
    o.steps += n.steps;
    o.jumps_beyond_bound += n.jumps_beyond_bound;
    o.max_jump = std::max(o.max_jump, n.max_jump);
    o.falseticker_selections += n.falseticker_selections;
  }
  std::sort(all.begin(), all.end());
  o.p50_abs_error_ns = percentile(all, 0.50);
  o.p99_abs_error_ns = percentile(all, 0.99);
  o.max_abs_error_ns = all.empty() ? 0 : all.back();
  return o;
}

std::string summary_json(const SimResult& r) {
  const Overall o = overall(r);
  std::string j = "{\n";
  j += "  \"scenario\": " + json_string(r.scenario) + ",\n";
  j += "  \"seed\": " + std::to_string(r.seed) + ",\n";
  j += "  \"duration_s\": " + seconds_text(r.duration) + ",\n";
  j += "  \"sample_interval_s\": " + seconds_text(r.sample_interval) + ",\n";
  j += "  \"events\": " + i64(r.events) + ",\n";
  j += "  \"overall\": {\n";
  j += "    \"nodes\": " + std::to_string(r.nodes.size()) + ",\n";
  j += "    \"p50_abs_error_ns\": " + i64(o.p50_abs_error_ns) + ",\n";
  j += "    \"p99_abs_error_ns\": " + i64(o.p99_abs_error_ns) + ",\n";
  j += "    \"max_abs_error_ns\": " + i64(o.max_abs_error_ns) + ",\n";
  j += "    \"bound_contained_fraction\": " + fmt("%.6f", o.contained_fraction()) + ",\n";
  j += "    \"bound_checks\": " + i64(o.checks) + ",\n";
  j += "    \"bound_violations\": " + i64(o.violations) + ",\n";
  j += "    \"worst_violation_ns\": " + i64(o.worst_violation.count()) + ",\n";
  j += "    \"max_time_to_first_sync_s\": " + seconds_text(o.max_time_to_sync) + ",\n";
  j += "    \"nodes_never_synced\": " + std::to_string(o.never_synced) + ",\n";
  j += "    \"steps\": " + std::to_string(o.steps) + ",\n";
  j += "    \"max_jump_ns\": " + i64(o.max_jump.count()) + ",\n";
  j += "    \"jumps_beyond_bound\": " + std::to_string(o.jumps_beyond_bound) + ",\n";
  j += "    \"falseticker_selections\": " + i64(o.falseticker_selections) + ",\n";
  j += "    \"max_disagreement_ns\": " + i64(r.max_disagreement.count()) + "\n";
  j += "  },\n";
  j += "  \"nodes\": [\n";
  for (std::size_t i = 0; i < r.nodes.size(); ++i) {
    const NodeStats& n = r.nodes[i];
    const double fraction = n.ticks_checked == 0 ? 0.0
                                                 : static_cast<double>(n.ticks_contained) /
                                                       static_cast<double>(n.ticks_checked);
    j += "    {\"name\": " + json_string(n.name) + ", \"group\": " + json_string(n.group);
    j += ", \"p50_abs_error_ns\": " + i64(percentile(n.abs_error_ns, 0.50));
    j += ", \"p99_abs_error_ns\": " + i64(percentile(n.abs_error_ns, 0.99));
    j += ", \"max_abs_error_ns\": " + i64(n.abs_error_ns.empty() ? 0 : n.abs_error_ns.back());
    j += ", \"bound_contained_fraction\": " + fmt("%.6f", fraction);
    j += ", \"learning_poll_fraction\": " +
         fmt("%.6f", n.ticks_checked == 0 ? 0.0
                                          : static_cast<double>(n.ticks_learning) /
                                                static_cast<double>(n.ticks_checked));
    j += ", \"bound_checks\": " + i64(n.checks);
    j += ", \"bound_violations\": " + i64(n.violations);
    j += ", \"time_to_first_sync_s\": " +
         (n.time_to_sync ? seconds_text(*n.time_to_sync) : std::string("null"));
    j += ", \"steps\": " + std::to_string(n.steps);
    j += ", \"max_jump_ns\": " + i64(n.max_jump.count());
    j += ", \"jumps_beyond_bound\": " + std::to_string(n.jumps_beyond_bound);
    j += ", \"falseticker_selections\": " + i64(n.falseticker_selections);
    j += ", \"polls\": " + i64(n.polls) + ", \"replies\": " + i64(n.replies);
    j += ", \"lost\": " + i64(n.lost) + ", \"stale\": " + i64(n.stale);
    j += ", \"rejected\": " + i64(n.rejected) + ", \"updates\": " + i64(n.updates);
    j += ", \"final_status\": " + json_string(sync_status_name(n.final_status));
    j += ", \"final_error_ns\": " + i64(n.final_error.count());
    j += ", \"final_bound_ns\": " + i64(n.final_bound.count()) + "}";
    j += i + 1 < r.nodes.size() ? ",\n" : "\n";
  }
  j += "  ]\n}\n";
  return j;
}

}  // namespace kairos::sim
