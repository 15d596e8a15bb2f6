#pragma once

// A whole evolution run: generations until its budget (minutes and/or generations over all
// sessions) or a stop request, a checkpoint in the run directory after every generation, and at
// the end the one measurement on the test set: of the archive's front (every network that was
// ever on the front, see budget_archive.hpp) and of each budget's winner, before and after an
// optional fine-tune that sees only the training and validation splits. The test set is touched
// once: measure() refuses a second call, and run() refuses to continue after it, so no
// selection can ever have seen a test accuracy.

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/evolution/checkpoint.hpp>
#include <chaosnet/evolution/population.hpp>
#include <chaosnet/evolution/run_record.hpp>
#include <chaosnet/evolution/worker_pool.hpp>
#include <chaosnet/graph/network.hpp>
#include <chaosnet/train/evaluate.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace chaosnet {

/// What run() tells its callback after every generation (once its checkpoint is saved).
struct GenerationReport {
  const GenerationStats& stats;
  double elapsed_s = 0;          ///< run wall time now, all sessions
  double generations_per_s = 0;  ///< this session's rate so far
  double eta_s = 0;  ///< estimated time until the budget ends (can be negative when overrun)
  bool last = false;  ///< the budget allows no further generation
};

/// Why run() returned.
enum class RunEnd {
  budget,          ///< the time or generation budget is used up
  stop_requested,  ///< request_stop() was called; the generation in progress was finished
};

/// An archived network as measured: validation on the whole validation split, test once.
template <class T, int N>
struct FrontMeasurement {
  std::uint64_t id = 0;        ///< the member it was
  double selection = 0;        ///< the accuracy selection used (the selection split)
  double validation = 0;       ///< on the whole validation split
  double test = 0;             ///< on the test set
  Network<T, N> network;       ///< as archived
  std::size_t generation = 0;  ///< the generation that archived it
};

/// A budget's winner (the archive's most accurate network within it), as found and after the
/// fine-tune; the fine-tune is selected on validation, so `after` may equal `found`.
template <class T, int N>
struct BudgetMeasurement {
  std::size_t budget = 0;
  FrontMeasurement<T, N> found;
  FrontMeasurement<T, N> after;  ///< after the fine-tune (== found without one)
};

/// What measure() returns.
template <class T, int N>
struct RunMeasurement {
  std::vector<FrontMeasurement<T, N>> front;       ///< the archive's front, fewest edges first
  std::vector<BudgetMeasurement<T, N>> budgets;   ///< one per budget that has a network
};

template <class T, int N>
class EvolutionRun {
 public:
  /// A run of `population` (new, or loaded from a checkpoint) whose checkpoints go to `dir` with
  /// `record` in their extra object. Throws std::invalid_argument for a record without a budget.
  EvolutionRun(Population<T, N> population, RunRecord record, std::filesystem::path dir)
      : population_(std::move(population)), record_(std::move(record)), dir_(std::move(dir)) {
    if (!record_.minutes && !record_.generations) {
      throw std::invalid_argument(
          "chaosnet::EvolutionRun: the run record sets no budget (minutes or generations)");
    }
  }

  /// Run generations on `train`, selecting on `selection` (the validation split or a part of
  /// it, never the test set), until the budget ends or a stop is requested. After every
  /// generation the checkpoint is saved, then on_generation(const GenerationReport&) is called.
  /// A generation is not started when it would end past the time budget (judged by the last
  /// one of its kind, Population::predicted_seconds). Throws std::logic_error once
  /// measure_front() has been called, and whatever Population::evolve and save_checkpoint throw.
  template <class OnGeneration>
  RunEnd run(const Dataset& train, const Dataset& selection, WorkerPool& pool,
             OnGeneration&& on_generation) {
    if (measured_) {
      throw std::logic_error(
          "chaosnet::EvolutionRun::run: the front's test accuracy has been measured; a run "
          "cannot continue after it has seen the test set");
    }
    const double budget_s =
        record_.minutes ? *record_.minutes * 60 : std::numeric_limits<double>::infinity();
    const std::size_t max_generations =
        record_.generations.value_or(std::numeric_limits<std::size_t>::max());
    const nlohmann::json extra = record_.checkpoint_extra();
    const std::size_t first_generation = population_.generation();
    const double session_start = population_.elapsed_s();
    // Generations differ in length (founders and immigrants train from scratch), so each is
    // judged by the last of its kind, plus the last checkpoint's saving.
    double save_s = 0;
    auto next_fits = [&](double elapsed) {
      return elapsed + population_.predicted_seconds(population_.generation() + 1) + save_s <= budget_s;
    };
    while (population_.generation() < max_generations && !stop_.load() &&
           next_fits(population_.elapsed_s())) {
      const GenerationStats& stats = population_.evolve(train, selection, pool);
      const double trained = population_.elapsed_s();
      save_checkpoint(dir_, population_, extra, &pool);
      const double elapsed = population_.elapsed_s();
      save_s = elapsed - trained;
      const double rate = static_cast<double>(population_.generation() - first_generation) /
                          (elapsed - session_start);
      const double eta = std::min(
          budget_s - elapsed,
          static_cast<double>(max_generations - population_.generation()) / rate);
      const bool last = population_.generation() >= max_generations || !next_fits(elapsed);
      on_generation(GenerationReport{stats, elapsed, rate, eta, last});
    }
    return stop_.exchange(false) ? RunEnd::stop_requested : RunEnd::budget;
  }

  /// run() without a callback.
  RunEnd run(const Dataset& train, const Dataset& selection, WorkerPool& pool) {
    return run(train, selection, pool, [](const GenerationReport&) {});
  }

  /// Ask the run() in progress (or the next one) to stop once its current generation is done
  /// and checkpointed. Safe from any thread and from a signal handler.
  void request_stop() noexcept { stop_.store(true); }
  [[nodiscard]] bool stop_requested() const noexcept { return stop_.load(); }

  /// Measure the archive: every network on its front on the whole `validation` split, each
  /// budget's winner (by selection accuracy) fine-tuned by fine_tune(Network<T, N>&, budget),
  /// which may use the training and validation data but never `test`, and then everything once
  /// on `test`. A second call throws std::logic_error, and so does run() afterwards. Throws
  /// std::runtime_error when the archive is empty (nothing within the limit was ever evaluated).
  template <class FineTune>
  RunMeasurement<T, N> measure(const Dataset& validation, const Dataset& test,
                               FineTune&& fine_tune) {
    if (measured_) {
      throw std::logic_error(
          "chaosnet::EvolutionRun::measure: the test set has already been measured once; "
          "measuring it again would make it a selection set");
    }
    const BudgetArchive<T, N>& archive = population_.state().archive;
    if (archive.front().empty()) {
      throw std::runtime_error("no network within the archive's edge limit was ever evaluated");
    }
    RunMeasurement<T, N> result;
    for (const ArchiveEntry<T, N>& e : archive.front()) {
      FrontMeasurement<T, N> m{e.member, e.accuracy, 0, 0, e.network, e.generation};
      m.validation = evaluate_accuracy(m.network, validation);
      result.front.push_back(std::move(m));
    }
    for (const std::size_t budget : archive.budgets()) {
      const ArchiveEntry<T, N>* winner = archive.best_within(budget);
      if (winner == nullptr) continue;
      const auto found = std::find_if(result.front.begin(), result.front.end(), [&](const auto& m) {
        return m.id == winner->member && m.generation == winner->generation;
      });
      BudgetMeasurement<T, N> b{budget, *found, *found};
      fine_tune(b.after.network, budget);
      b.after.validation = evaluate_accuracy(b.after.network, validation);
      result.budgets.push_back(std::move(b));
    }
    measured_ = true;  // from here on the test set is seen
    for (auto& m : result.front) m.test = evaluate_accuracy(m.network, test);
    for (auto& b : result.budgets) {
      b.found.test = evaluate_accuracy(b.found.network, test);
      b.after.test = evaluate_accuracy(b.after.network, test);
    }
    return result;
  }

  /// measure() without a fine-tune: the archive's front.
  std::vector<FrontMeasurement<T, N>> measure_front(const Dataset& validation,
                                                    const Dataset& test) {
    return measure(validation, test, [](Network<T, N>&, std::size_t) {}).front;
  }

  [[nodiscard]] bool front_measured() const { return measured_; }
  [[nodiscard]] const Population<T, N>& population() const { return population_; }
  /// See Population::on_founder_progress.
  void on_founder_progress(std::function<void(std::size_t, std::size_t)> report) {
    population_.on_founder_progress(std::move(report));
  }
  [[nodiscard]] const RunRecord& record() const { return record_; }
  /// The run directory, where the checkpoints are.
  [[nodiscard]] const std::filesystem::path& directory() const { return dir_; }

 private:
  Population<T, N> population_;
  RunRecord record_;
  std::filesystem::path dir_;
  static_assert(std::atomic<bool>::is_always_lock_free, "request_stop() must be signal-safe");
  std::atomic<bool> stop_{false};
  bool measured_ = false;
};

}  // namespace chaosnet
