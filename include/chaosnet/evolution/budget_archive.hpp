#pragma once

// The memory of an evolution run. Selection keeps a population and forgets the rest, so the
// best network at a size can be lost to drift (a pruned child dominates its parent, and the
// accurate end moves on). The archive keeps every network that was ever on the front of
// (selection accuracy ↑, edges ↓) over everything the run evaluated; a network leaves it only
// when a newer one dominates it. The best network at or under any edge budget is always on that
// front, so the best per budget can only improve from one generation to the next.
//
// Only networks within `limit` edges are kept (the largest budget, or the run's cap): larger ones
// answer no question the run asks, and the front would otherwise grow with every size tried.

#include <chaosnet/graph/network.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet {

/// One archived network, as it was when it was evaluated.
template <class T, int N>
struct ArchiveEntry {
  std::uint64_t member = 0;    ///< the member it was
  std::size_t generation = 0;  ///< the generation whose evaluation put it here
  double accuracy = 0;         ///< its selection accuracy then
  Network<T, N> network;

  [[nodiscard]] std::size_t edges() const { return network.edge_count(); }
};

template <class T, int N>
class BudgetArchive {
 public:
  BudgetArchive() = default;

  /// An empty archive answering for `budgets` (each at least 1, in increasing order) and keeping
  /// networks of at most `limit` edges (0: no limit; else at least the largest budget).
  BudgetArchive(std::vector<std::size_t> budgets, std::size_t limit)
      : budgets_(std::move(budgets)), limit_(limit) {
    for (std::size_t i = 0; i < budgets_.size(); ++i) {
      if (budgets_[i] == 0 || (i > 0 && budgets_[i] <= budgets_[i - 1])) {
        throw error("budgets must be at least 1 and strictly increasing");
      }
    }
    if (limit_ != 0 && !budgets_.empty() && budgets_.back() > limit_) {
      throw error("the largest budget (" + std::to_string(budgets_.back()) +
                  ") is above the archive's limit of " + std::to_string(limit_) + " edges");
    }
  }

  /// Keep `network` if nothing in the archive dominates it (as few or fewer edges and at least
  /// as accurate: an incumbent wins ties), dropping every entry it dominates. Returns whether it
  /// was kept.
  bool offer(std::uint64_t member, std::size_t generation, double accuracy,
             const Network<T, N>& network) {
    const std::size_t edges = network.edge_count();
    if (limit_ != 0 && edges > limit_) return false;
    // front_ is sorted by edges with accuracy strictly increasing, so the entry that could
    // dominate the newcomer is the largest one with at most its edges.
    auto at = std::upper_bound(front_.begin(), front_.end(), edges,
                               [](std::size_t e, const auto& entry) { return e < entry.edges(); });
    if (at != front_.begin() && std::prev(at)->accuracy >= accuracy) return false;
    // It dominates the entries from its size on that are no more accurate (a contiguous run:
    // accuracy increases along the front).
    auto first = std::lower_bound(front_.begin(), front_.end(), edges,
                                  [](const auto& entry, std::size_t e) { return entry.edges() < e; });
    auto last = first;
    while (last != front_.end() && last->accuracy <= accuracy) ++last;
    first = front_.erase(first, last);
    // What was found is the topology and the weights: kept without the run's node failure, so
    // that winners are measured (and fine-tuned) clean, and alike after a checkpoint.
    front_.insert(first, ArchiveEntry<T, N>{member, generation, accuracy, network})->network.set_node_failure(std::nullopt);
    return true;
  }

  /// Record the best accuracy per budget after `generation` (see history()).
  void close_generation(std::size_t generation) {
    HistoryRow row{generation, {}};
    for (const std::size_t b : budgets_) {
      const ArchiveEntry<T, N>* e = best_within(b);
      row.best.push_back(e == nullptr ? 0.0 : e->accuracy);
    }
    history_.push_back(std::move(row));
  }

  /// The most accurate archived network with at most `edges` edges (the fewer edges breaking
  /// ties), or nullptr if there is none.
  [[nodiscard]] const ArchiveEntry<T, N>* best_within(std::size_t edges) const {
    auto at = std::upper_bound(front_.begin(), front_.end(), edges,
                               [](std::size_t e, const auto& entry) { return e < entry.edges(); });
    return at == front_.begin() ? nullptr : &*std::prev(at);
  }

  /// The archived front, fewest edges first; accuracy strictly increases along it.
  [[nodiscard]] const std::vector<ArchiveEntry<T, N>>& front() const { return front_; }
  [[nodiscard]] const std::vector<std::size_t>& budgets() const { return budgets_; }
  [[nodiscard]] std::size_t limit() const { return limit_; }

  /// The best selection accuracy at each budget after each generation (0 while there is none).
  struct HistoryRow {
    std::size_t generation = 0;
    std::vector<double> best;  ///< one per budget
  };
  [[nodiscard]] const std::vector<HistoryRow>& history() const { return history_; }

  /// An archive as a checkpoint saved it; std::invalid_argument if `front` is not a front
  /// (sorted by edges with accuracy strictly increasing, within the limit) or a history row
  /// does not have one value per budget.
  static BudgetArchive restore(std::vector<std::size_t> budgets, std::size_t limit,
                               std::vector<ArchiveEntry<T, N>> front,
                               std::vector<HistoryRow> history) {
    BudgetArchive archive(std::move(budgets), limit);
    for (std::size_t i = 0; i < front.size(); ++i) {
      if ((limit != 0 && front[i].edges() > limit) ||
          (i > 0 && (front[i].edges() <= front[i - 1].edges() ||
                     front[i].accuracy <= front[i - 1].accuracy))) {
        throw error("entry " + std::to_string(i) +
                    " breaks the front (edges and accuracy must both increase, within the limit)");
      }
    }
    for (const HistoryRow& row : history) {
      if (row.best.size() != archive.budgets_.size()) {
        throw error("a history row has " + std::to_string(row.best.size()) + " values for " +
                    std::to_string(archive.budgets_.size()) + " budgets");
      }
    }
    archive.front_ = std::move(front);
    archive.history_ = std::move(history);
    return archive;
  }

 private:
  static std::invalid_argument error(const std::string& why) {
    return std::invalid_argument("chaosnet::BudgetArchive: " + why);
  }

  std::vector<std::size_t> budgets_;
  std::size_t limit_ = 0;
  std::vector<ArchiveEntry<T, N>> front_;
  std::vector<HistoryRow> history_;
};

}  // namespace chaosnet
