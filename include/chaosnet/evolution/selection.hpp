#pragma once

// Who survives a generation. Two methods over (validation accuracy, edge count):
//   seed_score (named "seed") — seed v0.2: score = accuracy + c · min_edges / edges within each
//            group (parents, children), keep the best half of each;
//   pareto — NSGA-II: non-dominated sorting on (accuracy ↑, edges ↓), then crowding distance,
//            so the population keeps a spread of accurate small networks.
// A candidate above the edge cap is never selected, whatever its score. Every ordering breaks
// ties by index, so selection is deterministic.

#include <chaosnet/util/enum_names.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

namespace chaosnet {

/// How survivors are chosen (see the file comment).
enum class SelectionMethod { seed_score, pareto };

/// The names checkpoints and the CLI use: "seed" for seed v0.2's score, as they always did.
constexpr util::EnumTable<SelectionMethod, 2> enum_names(SelectionMethod) {
  return {{{SelectionMethod::seed_score, "seed"}, {SelectionMethod::pareto, "pareto"}}};
}

/// What selection knows of a candidate.
struct Fitness {
  double accuracy = 0;    ///< on the validation split (never the test set)
  std::size_t edges = 0;  ///< weighted edges
};

struct SelectionOptions {
  SelectionMethod method = SelectionMethod::seed_score;
  /// The seed score's c: a network half the size of the group's smallest loses c/2 of bonus.
  double size_bonus = 0.05;
  /// Pareto only: candidates more than this far below the most accurate one rank after all
  /// others, so the front spends the population on accurate networks rather than on the
  /// smallest, least accurate ones a plain front keeps at its low end. 0: off.
  double accuracy_window = 0;
  /// Pareto only: a network dominates another only if it is no larger and at least this much
  /// more accurate. Validation accuracy is noisy from one generation to the next while size is
  /// exact, so with a plain dominance (0) a smaller network that is as accurate by chance
  /// evicts a larger, better one, and the front's accurate end drifts down generation after
  /// generation.
  double dominance_margin = 0;
};

/// Whether a candidate may be selected under a cap of `max_edges` (0: no cap).
inline bool within_cap(const Fitness& f, std::size_t max_edges) {
  return max_edges == 0 || f.edges <= max_edges;
}

/// The seed v0.2 score: accuracy + size_bonus · min_edges / edges (an edgeless network counts
/// as one edge).
inline double seed_score(const Fitness& f, std::size_t min_edges, double size_bonus) {
  return f.accuracy + size_bonus * static_cast<double>(min_edges) /
                          static_cast<double>(std::max<std::size_t>(f.edges, 1));
}

/// Indices of the candidates within the cap, best seed score first; min_edges is the smallest
/// edge count among them.
inline std::vector<std::size_t> rank_by_seed_score(std::span<const Fitness> group,
                                                   double size_bonus, std::size_t max_edges = 0) {
  std::vector<std::size_t> order;
  std::size_t min_edges = std::numeric_limits<std::size_t>::max();
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!within_cap(group[i], max_edges)) continue;
    order.push_back(i);
    min_edges = std::min(min_edges, group[i].edges);
  }
  std::vector<double> score(group.size());
  for (const std::size_t i : order) score[i] = seed_score(group[i], min_edges, size_bonus);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  return order;
}

/// a dominates b: at least as accurate and at most as large, and strictly better in one; with
/// a margin > 0, at most as large and at least `margin` more accurate.
inline bool dominates(const Fitness& a, const Fitness& b, double margin = 0) {
  if (margin > 0) return a.edges <= b.edges && a.accuracy >= b.accuracy + margin;
  return a.accuracy >= b.accuracy && a.edges <= b.edges &&
         (a.accuracy > b.accuracy || a.edges < b.edges);
}

/// Non-dominated sorting of the candidates within the cap: fronts[0] is the Pareto front,
/// fronts[1] the front once fronts[0] is removed, and so on; each front in index order.
/// `margin` as in dominates().
inline std::vector<std::vector<std::size_t>> non_dominated_fronts(std::span<const Fitness> all,
                                                                  std::size_t max_edges = 0,
                                                                  double margin = 0) {
  std::vector<std::size_t> live;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (within_cap(all[i], max_edges)) live.push_back(i);
  }
  // Deb's fast non-dominated sort: O(n²) comparisons, fine for populations of hundreds.
  std::vector<std::size_t> dominated_by(all.size(), 0);
  std::vector<std::vector<std::size_t>> dominates_list(all.size());
  for (const std::size_t a : live) {
    for (const std::size_t b : live) {
      if (dominates(all[a], all[b], margin)) {
        dominates_list[a].push_back(b);
        ++dominated_by[b];
      }
    }
  }
  std::vector<std::vector<std::size_t>> fronts;
  std::vector<std::size_t> current;
  for (const std::size_t i : live) {
    if (dominated_by[i] == 0) current.push_back(i);
  }
  while (!current.empty()) {
    std::vector<std::size_t> next;
    for (const std::size_t a : current) {
      for (const std::size_t b : dominates_list[a]) {
        if (--dominated_by[b] == 0) next.push_back(b);
      }
    }
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(current));
    current = std::move(next);
  }
  return fronts;
}

/// NSGA-II crowding distance of each member of `front` (indices into `all`), aligned with
/// `front`: for each objective, the gap between a member's neighbours on that objective divided
/// by the front's range, summed; the extremes of each objective get +infinity.
inline std::vector<double> crowding_distances(std::span<const Fitness> all,
                                              std::span<const std::size_t> front) {
  const std::size_t n = front.size();
  std::vector<double> distance(n, 0.0);
  if (n == 0) return distance;
  std::vector<std::size_t> order(n);
  auto add_objective = [&](auto value) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return value(front[a]) < value(front[b]);
    });
    const double range = value(front[order.back()]) - value(front[order.front()]);
    distance[order.front()] = std::numeric_limits<double>::infinity();
    distance[order.back()] = std::numeric_limits<double>::infinity();
    if (!(range > 0)) return;
    for (std::size_t k = 1; k + 1 < n; ++k) {
      distance[order[k]] += (value(front[order[k + 1]]) - value(front[order[k - 1]])) / range;
    }
  };
  add_objective([&](std::size_t i) { return all[i].accuracy; });
  add_objective([&](std::size_t i) { return static_cast<double>(all[i].edges); });
  return distance;
}

/// NSGA-II survivor selection: up to `keep` indices of candidates within the cap, whole fronts
/// first, the last front cut by crowding distance (largest first). Returned best first.
/// options.dominance_margin is passed to dominates(); with options.accuracy_window > 0, the
/// candidates within it of the most accurate are sorted and chosen first, and the others only
/// fill what is left.
inline std::vector<std::size_t> select_pareto(std::span<const Fitness> all, std::size_t keep,
                                              std::size_t max_edges = 0,
                                              const SelectionOptions& options = {}) {
  double best = -std::numeric_limits<double>::infinity();
  for (const Fitness& f : all) {
    if (within_cap(f, max_edges)) best = std::max(best, f.accuracy);
  }
  std::vector<std::size_t> chosen;
  for (const bool inside : {true, false}) {
    // The candidates of this pass keep their fitness; the others are moved above the cap.
    std::vector<Fitness> pass(all.begin(), all.end());
    for (Fitness& f : pass) {
      const bool in_window =
          options.accuracy_window <= 0 || f.accuracy >= best - options.accuracy_window;
      if (in_window != inside) f.edges = std::numeric_limits<std::size_t>::max();
    }
    const std::size_t cap =
        max_edges == 0 ? std::numeric_limits<std::size_t>::max() - 1 : max_edges;
    for (const auto& front : non_dominated_fronts(pass, cap, options.dominance_margin)) {
      if (chosen.size() >= keep) break;
      const std::vector<double> distance = crowding_distances(pass, front);
      std::vector<std::size_t> order(front.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return distance[a] > distance[b]; });
      for (const std::size_t k : order) {
        if (chosen.size() == keep) break;
        chosen.push_back(front[k]);
      }
    }
  }
  return chosen;
}

/// The seed v0.2 survivors of a generation that mutated: the best `keep_parents` parents and
/// the best `keep_children` children by seed score, each group scored against its own smallest
/// member. Indices into each group.
struct SeedSurvivors {
  std::vector<std::size_t> parents;
  std::vector<std::size_t> children;
};

inline SeedSurvivors select_seed(std::span<const Fitness> parents,
                                 std::span<const Fitness> children, std::size_t keep_parents,
                                 std::size_t keep_children, double size_bonus,
                                 std::size_t max_edges = 0) {
  SeedSurvivors survivors{rank_by_seed_score(parents, size_bonus, max_edges),
                          rank_by_seed_score(children, size_bonus, max_edges)};
  survivors.parents.resize(std::min(keep_parents, survivors.parents.size()));
  survivors.children.resize(std::min(keep_children, survivors.children.size()));
  return survivors;
}

/// The Pareto front of the candidates within the cap, sorted by edges (then accuracy, index).
inline std::vector<std::size_t> pareto_front(std::span<const Fitness> all,
                                             std::size_t max_edges = 0) {
  auto fronts = non_dominated_fronts(all, max_edges);
  if (fronts.empty()) return {};
  std::vector<std::size_t> front = std::move(fronts.front());
  std::stable_sort(front.begin(), front.end(), [&](std::size_t a, std::size_t b) {
    if (all[a].edges != all[b].edges) return all[a].edges < all[b].edges;
    return all[a].accuracy > all[b].accuracy;
  });
  return front;
}

}  // namespace chaosnet
