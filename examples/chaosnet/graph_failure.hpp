#pragma once

// --fail-prob, --noise, --rescale and --fail-in on graph networks (train and evolve): the
// NodeFailure they describe, how it is printed, and what the summary and model file record so
// that `chaosnet robustness` knows how a model was trained.

#include "chaos_train.hpp"
#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace chaosnet::cli {

/// The mask stream of a run with seed `seed`: apart from every other stream the seed drives.
inline std::uint64_t failure_seed(std::uint64_t seed) { return util::counter_hash(seed, 0xfa11); }

/// The failure the flags ask for on a graph network, or std::nullopt when they ask for none.
/// Throws UsageError for a spiking-only flag, for --fail-prob 1 and for --rescale or --fail-in
/// without failure or noise.
inline std::optional<NodeFailure> graph_failure(const ChaosSettings& s, std::uint64_t seed) {
  if (const char* flag = spiking_only_flag(s)) {
    throw UsageError(std::string(flag) + " applies to --preset chaosnet-mnist (spiking neurons), not to graph networks");
  }
  const double p = s.fail_prob.value_or(0), noise = s.noise.value_or(0);
  if (p >= 1) throw UsageError("--fail-prob 1 would zero every hidden node on every pass; give a value below 1");
  if (p == 0 && noise == 0) {
    if (s.rescale) throw UsageError("--rescale scales the survivors of --fail-prob; give --fail-prob too");
    if (s.fail_in) throw UsageError("--fail-in says when --fail-prob and --noise apply; give one of them too");
    return std::nullopt;
  }
  return NodeFailure{.fail_prob = p, .noise_std = noise, .rescale = s.rescale,
                     .phase = s.fail_in ? *util::parse_enum<FailurePhase>(*s.fail_in) : FailurePhase::both,
                     .seed = failure_seed(seed)};
}

/// One line for the setup printout, e.g. "fail prob 0.5, noise 0 (training and evaluation, no rescaling)".
inline std::string failure_text(const NodeFailure& f) {
  const char* when = f.phase == FailurePhase::both ? "training and evaluation"
                     : f.phase == FailurePhase::training ? "training only" : "evaluation only";
  char text[160];
  std::snprintf(text, sizeof text, "hidden nodes fail with p %g, noise std %g (%s, %s)", f.fail_prob, f.noise_std, when,
                f.rescale ? "survivors x 1/(1-p)" : "no rescaling");
  return text;
}

/// The failure settings as summary and model-metadata fields (fail_prob 0 when there is none).
inline void add_failure_fields(nlohmann::json& summary, const std::optional<NodeFailure>& f) {
  summary["fail_prob"] = f ? f->fail_prob : 0.0;
  summary["noise"] = f ? f->noise_std : 0.0;
  summary["rescale"] = f && f->rescale;
  if (f) summary["fail_in"] = to_string(f->phase);
}

}  // namespace chaosnet::cli
