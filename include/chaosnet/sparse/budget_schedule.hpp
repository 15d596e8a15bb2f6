#pragma once

// Training to an edge budget: a topology schedule for train() (train/trainer.hpp). Every
// `rewire_every` steps it prunes by magnitude toward the budget on the cubic schedule of Zhu &
// Gupta (2017), edges(t) = E + (S − E)·(1 − t/t_p)³ from the starting size S to the budget E at
// the fraction t_p of training, and rewires a cosine-annealed fraction of the edges (rewiring.hpp)
// until the fraction `rewire_until`, after which the network only fine-tunes. The last step also
// prunes, so training always ends within the budget; only epochs at or under the budget may be
// kept as the best.

#include <chaosnet/graph/network.hpp>
#include <chaosnet/graph/topology_mutations.hpp>
#include <chaosnet/sparse/candidate_gradients.hpp>
#include <chaosnet/sparse/rewiring.hpp>
#include <chaosnet/util/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <stdexcept>
#include <string>

namespace chaosnet {

struct BudgetOptions {
  std::size_t budget = 0;          ///< edges at the end (and the most any kept epoch has)
  double prune_until = 0.5;        ///< fraction of the steps by which pruning reaches the budget
  std::size_t rewire_every = 100;  ///< steps between prunings/rewirings
  double rewire_fraction = 0.3;    ///< of the edges, at the first rewiring; cosine-annealed to 0
  double rewire_until = 0.75;      ///< fraction of the steps after which nothing is rewired
  Regrowth regrowth = Regrowth::gradient;
  std::size_t gradient_batches = 4;  ///< batches whose candidate gradients each rewiring sums
};

/// What a BudgetSchedule has done so far.
struct BudgetCounts {
  std::size_t rewirings = 0;
  std::size_t pruned = 0;   ///< edges removed by pruning
  std::size_t rewired = 0;  ///< edges dropped and regrown by rewiring
};

template <class T>
class BudgetSchedule {
 public:
  BudgetSchedule(BudgetOptions options, std::uint64_t seed) : options_(options), rng_(seed) {
    auto fraction = [](double f) { return f >= 0 && f <= 1; };
    if (options.budget == 0) throw error("the edge budget must be at least 1");
    if (options.rewire_every == 0) throw error("rewire_every must be at least 1 step");
    if (!fraction(options.prune_until) || !fraction(options.rewire_fraction) ||
        !fraction(options.rewire_until)) {
      throw error("prune_until, rewire_fraction and rewire_until must be in [0, 1]");
    }
    if (options.gradient_batches == 0 || options.gradient_batches > options.rewire_every) {
      throw error("gradient_batches must be in [1, rewire_every]");
    }
  }

  [[nodiscard]] const BudgetOptions& options() const { return options_; }
  [[nodiscard]] const BudgetCounts& counts() const { return counts_; }

  /// The edge count pruning aims for after step `step` of `total`, from `start` edges.
  [[nodiscard]] std::size_t target_edges(std::size_t start, std::size_t step, std::size_t total) const {
    if (start <= options_.budget) return start;
    const double until = options_.prune_until * static_cast<double>(total);
    const double t = until <= 0 ? 1.0 : std::min(1.0, static_cast<double>(step + 1) / until);
    const double extra = static_cast<double>(start - options_.budget) * std::pow(1 - t, 3);
    return options_.budget + static_cast<std::size_t>(std::llround(extra));
  }
  /// The fraction of the edges rewired after step `step` of `total`.
  [[nodiscard]] double rewire_fraction(std::size_t step, std::size_t total) const {
    const double t = total == 0 ? 1.0 : static_cast<double>(step + 1) / static_cast<double>(total);
    if (t >= options_.rewire_until) return 0;
    return options_.rewire_fraction * 0.5 * (1 + std::cos(std::numbers::pi * t / options_.rewire_until));
  }

  // --- train()'s schedule interface ------------------------------------------------------------

  /// Records the candidate gradients of the last `gradient_batches` steps before each rewiring.
  template <int N>
  void observe(const Network<T, N>& net, std::size_t step) {
    if (options_.regrowth != Regrowth::gradient) return;
    const std::size_t into = (step + 1) % options_.rewire_every;
    const std::size_t steps_left = into == 0 ? 0 : options_.rewire_every - into;
    if (steps_left < options_.gradient_batches) candidates_.add(net);
  }

  template <int N>
  bool adjust(Network<T, N>& net, std::size_t step, std::size_t total) {
    if (start_edges_ == 0) start_edges_ = std::max<std::size_t>(1, net.edge_count());
    // The last step is always due, so a run too short for the pruning deadline to fall on a
    // multiple of rewire_every still ends within the budget.
    if ((step + 1) % options_.rewire_every != 0 && step + 1 != total) return false;
    const std::size_t before = net.edge_count();
    const std::size_t target = target_edges(start_edges_, step, total);
    if (before > target) {
      counts_.pruned += remove_edges(net, before - target, EdgeRemoval::smallest_magnitude, rng_);
    }
    const auto count = static_cast<std::size_t>(
        std::llround(rewire_fraction(step, total) * static_cast<double>(net.edge_count())));
    if (count > 0 && (options_.regrowth == Regrowth::random || candidates_.batches() > 0)) {
      counts_.rewired += rewire(net, count, options_.regrowth, candidates_, rng_).grown;
      ++counts_.rewirings;
    }
    candidates_.clear();
    return net.edge_count() != before || count > 0;
  }

  template <int N>
  [[nodiscard]] bool eligible(const Network<T, N>& net) const {
    return net.edge_count() <= options_.budget;
  }

 private:
  static std::invalid_argument error(const std::string& why) {
    return std::invalid_argument("chaosnet::BudgetSchedule: " + why);
  }

  BudgetOptions options_;
  Rng rng_;
  CandidateGradients<T> candidates_;
  BudgetCounts counts_;
  std::size_t start_edges_ = 0;  ///< the network's size at the first step
};

}  // namespace chaosnet
