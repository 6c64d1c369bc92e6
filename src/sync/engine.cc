#include "sync/engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sync/combine.h"

namespace kairos::sync {
namespace {

// NTP's MAXDISP: the dispersion an unsynchronized node reports.
constexpr Duration kUnsynchronizedDispersion = seconds(16);

Duration abs_duration(Duration d) { return d < Duration(0) ? -d : d; }

std::string signed_duration(Duration d) {
  // Appending (not "+" + string) avoids a false -Wrestrict in g++ 12's release build.
  std::string text = d >= Duration(0) ? "+" : "";
  text += format_duration(d);
  return text;
}

// True when none of the last `polls` polls was answered (reach bit 0 is the latest).
bool missed_last(std::uint8_t reach, int polls) {
  const unsigned mask = polls >= 8 ? 0xffu : (1u << std::max(polls, 0)) - 1u;
  return (reach & mask) == 0;
}

std::string ppm_text(double ppm) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fppm", ppm);
  return buf;
}

}  // namespace

Engine::Engine(EngineConfig config)
    : config_(config),
      estimator_(FrequencyEstimatorConfig{config.frequency_points, config.max_frequency_ppm,
                                          config.initial_frequency_error_ppm}),
      discipline_(DisciplineConfig{config.max_slew_ppm, config.step_threshold,
                                   config.panic_threshold, config.min_slew_duration}),
      poll_(PollConfig{config.minpoll, config.maxpoll, config.learning_poll, config.target_delta}) {
  snapshot_.error_bound = kUnsynchronizedDispersion;
  snapshot_.root_dispersion = kUnsynchronizedDispersion;
  snapshot_.precision_log2 = config.precision_log2;
}

Result<SourceId> Engine::add_source(SourceInfo info, MonoTime now) {
  if (sources_.size() >= kMaxSources) {
    return Status::OutOfRange("sync: at most " + std::to_string(kMaxSources) + " sources");
  }
  Source s;
  s.info = std::move(info);
  s.added = now;
  sources_.push_back(std::move(s));
  candidates_.reserve(sources_.size());
  return static_cast<SourceId>(sources_.size() - 1);
}

SampleParams Engine::sample_params() const {
  return SampleParams{config_.precision_log2, config_.max_drift_ppm + config_.max_frequency_ppm};
}

Status Engine::on_poll_sent(SourceId id, MonoTime now) {
  if (!valid(id)) return Status::NotFound("sync: no source " + std::to_string(id));
  Source& s = sources_[static_cast<std::size_t>(id)];
  s.reach = static_cast<std::uint8_t>(s.reach << 1);
  ++s.polls;
  s.last_poll = now;
  return Status::Ok();
}

Status Engine::on_sample(SourceId id, const Sample& sample, MonoTime /*now*/) {
  if (!valid(id)) return Status::NotFound("sync: no source " + std::to_string(id));
  Source& s = sources_[static_cast<std::size_t>(id)];
  s.reach = static_cast<std::uint8_t>(s.reach | 1);
  if (s.filter.add(sample, estimator_.frequency_ppm(), growth_ppm(), config_.step_threshold)) {
    s.jumped = true;
  }
  return Status::Ok();
}

Status Engine::on_sample(SourceId id, const Exchange& exchange, MonoTime now) {
  if (!valid(id)) return Status::NotFound("sync: no source " + std::to_string(id));
  Result<Sample> sample = sample_from_exchange(exchange, sample_params());
  if (!sample.ok()) {
    return sample.status().WithContext(sources_[static_cast<std::size_t>(id)].info.name);
  }
  return on_sample(id, *sample, now);
}

void Engine::on_system_clock_step(Duration step, Duration uncertainty) {
  for (Source& s : sources_) s.filter.shift_system_clock(step);
  estimator_.shift_system_clock(step);
  discipline_.shift_system_clock(step);
  if (fix_) {
    fix_->time += step;
    fix_->offset -= step;
    fix_->root_dispersion += abs_duration(uncertainty);
  }
  // The published line, re-anchored: the same virtual time for the new system readings.
  snapshot_.system_ref += step;
  snapshot_.offset -= step;
  snapshot_.error_bound += abs_duration(uncertainty);
  snapshot_.root_dispersion += abs_duration(uncertainty);
}

double Engine::growth_ppm() const { return config_.max_drift_ppm + estimator_.error_ppm(); }

// Learning (polling at learning_poll) gathers drift points quickly while the estimate is
// worse than max_drift. The estimate's worst-case error is about 3·(sample distance) / (the
// time its window spans), so what shrinks it is span, and at the learning poll a window of
// frequency_points spans at most (frequency_points − 1)·2^learning_poll (248 s by default).
// Once the points cover that much, more of them at that spacing only slide the window:
// learning ends there even if the error is still above max_drift (a long path: sample
// distance above ~1.3 ms), and the policy's longer poll spreads the window further.
bool Engine::learning() const {
  const Duration full_window = poll_interval(std::min(config_.learning_poll, config_.minpoll)) *
                               (std::max(config_.frequency_points, 2) - 1);
  return estimator_.error_ppm() > config_.max_drift_ppm && estimator_.history() < full_window;
}

bool Engine::settled(MonoTime now) const {
  if (fix_) return true;
  const Duration burst = config_.burst_interval * config_.burst_count;
  return std::all_of(sources_.begin(), sources_.end(), [&](const Source& s) {
    return s.filter.size() >= std::min(config_.burst_count, ClockFilter::kStages) ||
           now - s.added >= burst;
  });
}

MonoTime Engine::next_poll_at(SourceId id) const {
  if (!valid(id)) return MonoTime::max();
  const Source& s = sources_[static_cast<std::size_t>(id)];
  if (s.polls == 0) return s.added;
  // The burst goes on until the source gave burst_count samples (an upstream that is
  // still starting answers unsynchronized), for at most four bursts' worth of polls.
  const bool bursting = s.polls < config_.burst_count || (s.filter.size() < config_.burst_count &&
                                                          s.polls < 4 * config_.burst_count);
  if (bursting) return s.last_poll + config_.burst_interval;
  if (missed_last(s.reach, config_.misses_before_fast_poll)) {
    return s.last_poll + std::min(poll_.interval(), poll_interval(config_.minpoll));
  }
  return s.last_poll + poll_.interval();
}

void Engine::evaluate_sources(UnixTime now) {
  candidates_.clear();
  const double b = estimator_.frequency_ppm();
  const double growth = growth_ppm();
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    Source& s = sources_[i];
    s.system_peer = false;
    s.last.reset();
    if (s.reach == 0 || s.filter.empty()) {
      s.state = SourceState::kUnreachable;
      continue;
    }
    s.last = s.filter.evaluate(now, b, growth, config_.max_drift_ppm, config_.max_distance);
    // Gone quiet and too far to keep the node within target: say so now rather than
    // after 8 polls (its last figures stay visible in the status).
    if (missed_last(s.reach, config_.misses_before_unreachable) &&
        s.last->distance > config_.target_delta) {
      s.state = SourceState::kUnreachable;
      continue;
    }
    s.state = SourceState::kCandidate;
    if (s.last->distance > config_.max_distance || s.last->sample.stratum >= 15) continue;
    Candidate c;
    c.source = static_cast<int>(i);
    c.offset = s.last->offset;
    c.distance = std::max(s.last->distance, Duration(1));
    c.jitter = s.last->jitter;
    c.stratum = s.last->sample.stratum;
    candidates_.push_back(c);
  }
}

UpdateResult Engine::update(MonoTime mono_now, UnixTime system_now) {
  UpdateResult result;
  // Falseticker events only on the transition: remember who was one already.
  bool was_falseticker[kMaxSources] = {};
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    was_falseticker[i] = sources_[i].state == SourceState::kFalseticker;
  }
  for (Source& s : sources_) {
    if (!s.jumped) continue;
    s.jumped = false;
    result.events.push_back({EventKind::kSourceJumped, Severity::kWarning,
                             "source " + s.info.name +
                                 " jumped by more than the step "
                                 "threshold " +
                                 format_duration(config_.step_threshold) +
                                 ": its older samples are dropped"});
  }
  evaluate_sources(system_now);

  Combined combined;
  Intersection intersection;
  // Whether the system peer brings a sample no selection has seen yet: only then is there
  // something new to set the clock by (RFC 5905's clock_update needs a newer sample too).
  bool fresh = false;
  const bool ready = settled(mono_now) && !candidates_.empty() &&
                     static_cast<int>(candidates_.size()) >= config_.min_sources;
  if (ready) {
    intersection = select_truechimers(candidates_);
    cluster_survivors(candidates_, config_.min_survivors);
    combined = combine(candidates_);
    if (combined.found) {
      const Source& ps = sources_[static_cast<std::size_t>(
          candidates_[static_cast<std::size_t>(combined.peer)].source)];
      fresh = ps.filter.newest_sequence() != ps.judged_sequence;
    }
    for (const Candidate& c : candidates_) {
      Source& s = sources_[static_cast<std::size_t>(c.source)];
      s.judged_sequence = s.filter.newest_sequence();
      if (c.verdict == Verdict::kSurvivor) s.state = SourceState::kSelected;
      if (c.verdict == Verdict::kFalseticker) {
        s.state = SourceState::kFalseticker;
        if (!was_falseticker[c.source]) {
          result.events.push_back(
              {EventKind::kFalseticker, Severity::kWarning,
               "source " + s.info.name + " marked falseticker: offset " +
                   signed_duration(c.offset) + " ± " + format_duration(c.distance) +
                   " misses the majority's interval [" + signed_duration(intersection.low) + ", " +
                   signed_duration(intersection.high) + "]"});
        }
      }
    }
  }

  if (combined.found) {
    const Candidate& peer = candidates_[static_cast<std::size_t>(combined.peer)];
    sources_[static_cast<std::size_t>(peer.source)].system_peer = true;
    if (fresh) {
      result.stepped = apply_fix(peer, combined.offset, system_now, result.events);
    } else {
      follow_fix(system_now);  // old news: keep the last fix, status unchanged
    }
  } else {
    coast(system_now, !candidates_.empty() && ready, result.events);
  }
  publish(system_now);

  result.snapshot = snapshot_;
  result.frequency_ppm = estimator_.frequency_ppm();
  result.frequency_error_ppm = estimator_.error_ppm();
  result.slew_ppm = discipline_.slewing_at(system_now) ? discipline_.slew_ppm() : 0.0;
  if (discipline_.slewing_at(system_now)) {
    result.next_update_at = mono_now + (discipline_.slew_end() - system_now);
  }
  return result;
}

bool Engine::apply_fix(const Candidate& peer, Duration combined, UnixTime now,
                       std::vector<Event>& events) {
  Source& ps = sources_[static_cast<std::size_t>(peer.source)];
  const FilterOutput& out = *ps.last;
  // A correction this large after the first fix means the measured clock jumped: the
  // drift points on either side of the jump do not belong to one line.
  const Duration pending = abs_duration(combined - discipline_.offset_at(now));
  if (clock_updates_ > 0 && pending > config_.step_threshold) estimator_.restart();
  // Every sample of the system peer not used yet becomes a drift point.
  const std::uint64_t newest = ps.filter.newest_sequence();
  const std::uint64_t oldest_held =
      newest + 1 >= ClockFilter::kHistory ? newest + 1 - ClockFilter::kHistory : 0;
  const std::uint64_t first = ps.used_sequence == ~std::uint64_t{0}
                                  ? oldest_held
                                  : std::max(ps.used_sequence + 1, oldest_held);
  for (std::uint64_t seq = first; seq <= newest; ++seq) {
    if (const Sample* sample = ps.filter.find(seq)) {
      estimator_.add(sample->time, sample->offset, sample->distance());
    }
  }
  ps.used_sequence = newest;
  Fix f;
  f.time = now;
  f.offset = combined;
  f.frequency_ppm = estimator_.frequency_ppm();
  f.root_delay = out.sample.root_delay + out.sample.delay;
  f.root_dispersion = out.sample.root_dispersion + out.dispersion + out.jitter +
                      abs_duration(combined - peer.offset);
  f.stratum = static_cast<std::uint8_t>(out.sample.stratum + 1);
  f.reference_id = out.sample.stratum == 0 ? out.sample.reference_id : ps.info.reference_id;
  f.leap = out.sample.leap;

  const bool step_allowed = config_.allow_step || clock_updates_ < config_.step_updates;
  const std::optional<Duration> threshold =
      clock_updates_ == 0 ? std::optional<Duration>(config_.initial_step_threshold) : std::nullopt;
  const Correction c =
      discipline_.correct(now, f.offset, f.frequency_ppm, step_allowed, config_.force, threshold);
  if (c.kind == CorrectionKind::kRefused) {
    refused_ = true;
    status_ = SyncStatus::kUnsynchronized;
    events.push_back({EventKind::kRefusedInsane, Severity::kError,
                      "REFUSED correction of " + signed_duration(c.amount) + " from " +
                          ps.info.name + ": beyond the panic threshold " +
                          format_duration(config_.panic_threshold) +
                          " (insane time); the clock is NOT synchronized. Check the sources, "
                          "or set force to accept it"});
    return false;
  }
  refused_ = false;
  f.virtual_time = now + discipline_.offset_at(now);
  fix_ = f;
  const Duration magnitude = abs_duration(c.amount);
  if (magnitude > config_.panic_threshold) {
    events.push_back({EventKind::kForcedInsane, Severity::kError,
                      "FORCED correction of " + signed_duration(c.amount) +
                          " beyond the panic threshold " +
                          format_duration(config_.panic_threshold) + ": clock stepped"});
  } else if (c.kind == CorrectionKind::kStep) {
    events.push_back({EventKind::kStepped, Severity::kWarning,
                      "clock stepped by " + signed_duration(c.amount) +
                          " (above the step "
                          "threshold " +
                          format_duration(threshold.value_or(config_.step_threshold)) + ")"});
  } else if (magnitude > config_.step_threshold) {
    events.push_back({EventKind::kLargeSlew, Severity::kWarning,
                      "correction of " + signed_duration(c.amount) +
                          " is above the step threshold but stepping is over: slewing at " +
                          ppm_text(c.slew_ppm) + " until it is done"});
  }
  if (c.kind == CorrectionKind::kStep) poll_.reset();
  ++clock_updates_;
  if (status_ != SyncStatus::kSynchronized) {
    events.push_back({EventKind::kSynchronized, Severity::kInfo,
                      "synchronized to " + ps.info.name + " (stratum " +
                          std::to_string(out.sample.stratum) + "), offset " +
                          signed_duration(c.amount)});
  }
  status_ = SyncStatus::kSynchronized;
  const Duration error_now = f.root_delay / 2 + f.root_dispersion + discipline_.remaining_at(now);
  poll_.update(error_now, growth_ppm(), out.jitter, learning());
  return c.kind == CorrectionKind::kStep;
}

void Engine::coast(UnixTime now, bool had_candidates, std::vector<Event>& events) {
  if (!fix_ || refused_) return;
  if (status_ == SyncStatus::kSynchronized) {
    events.push_back(
        {EventKind::kSyncLost, Severity::kWarning,
         std::string(had_candidates ? "no majority among the sources" : "no selectable source") +
             ": free-running, error bound grows at " + ppm_text(growth_ppm())});
  }
  status_ = SyncStatus::kFreeRunning;
  follow_fix(now);
}

void Engine::follow_fix(UnixTime now) {
  if (!fix_ || refused_) return;
  if (!discipline_.slewing_at(now)) {
    const Duration target =
        fix_->offset + from_seconds(to_seconds(now - fix_->time) * fix_->frequency_ppm * 1e-6);
    discipline_.correct(now, target, fix_->frequency_ppm, false, false);
  }
}

void Engine::publish(UnixTime now) {
  ClockSnapshot s;
  s.system_ref = now;
  s.offset = discipline_.offset_at(now);
  s.frequency_ppm = discipline_.frequency_ppm();
  s.poll_log2 = poll_.poll_log2();
  s.precision_log2 = config_.precision_log2;
  s.status = status_;
  if (!fix_ || status_ == SyncStatus::kUnsynchronized) {
    s.error_bound = kUnsynchronizedDispersion;
    s.root_dispersion = kUnsynchronizedDispersion;
    s.max_drift_ppm = growth_ppm();
    s.stratum = 16;
    s.reference_id = refid_from_ascii("INIT");
    s.leap = Leap::kUnknown;
    s.status = SyncStatus::kUnsynchronized;
    snapshot_ = s;
    return;
  }
  const double growth = growth_ppm();
  const Duration aged = from_seconds(to_seconds(now - fix_->time) * growth * 1e-6);
  s.root_delay = fix_->root_delay;
  s.root_dispersion = fix_->root_dispersion + (aged > Duration(0) ? aged : Duration(0)) +
                      discipline_.remaining_at(now);
  s.error_bound = s.root_delay / 2 + s.root_dispersion;
  s.max_drift_ppm = growth + (discipline_.slewing_at(now) ? std::abs(discipline_.slew_ppm()) : 0.0);
  s.stratum = fix_->stratum;
  s.reference_id = fix_->reference_id;
  s.reference_time = NtpTimestamp::from_unix(fix_->virtual_time);
  s.leap = fix_->leap;
  snapshot_ = s;
}

std::vector<SourceStatus> Engine::sources() const {
  std::vector<SourceStatus> out;
  out.reserve(sources_.size());
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const Source& s = sources_[i];
    SourceStatus st;
    st.id = static_cast<SourceId>(i);
    st.name = s.info.name;
    st.state = s.state;
    st.system_peer = s.system_peer;
    st.reach = s.reach;
    st.samples = s.filter.size();
    if (s.last) {
      st.stratum = s.last->sample.stratum;
      st.offset = s.last->offset;
      st.delay = s.last->sample.delay;
      st.jitter = s.last->jitter;
      st.distance = s.last->distance;
      st.root_delay = s.last->sample.root_delay;
      st.root_dispersion = s.last->sample.root_dispersion;
    }
    out.push_back(std::move(st));
  }
  return out;
}

bool Engine::synchronized_within(Duration delta, UnixTime system_now) const {
  if (snapshot_.status != SyncStatus::kSynchronized &&
      snapshot_.status != SyncStatus::kFreeRunning) {
    return false;
  }
  return snapshot_.error_bound_at(system_now) <= delta;
}

}  // namespace kairos::sync
