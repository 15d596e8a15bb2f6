#pragma once

// What one generation did, and the one table of its fields that every format reads and writes
// (checkpoint history, generations.csv): adding a statistic is one line here.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>

namespace chaosnet {

/// What one generation did, for logs and plots.
struct GenerationStats {
  std::size_t generation = 0;  ///< 1-based
  bool morphed = false;        ///< children were made and selected this generation
  std::uint64_t best_id = 0;   ///< the most accurate member (validation) after selection
  double best_accuracy = 0;
  std::size_t best_edges = 0;
  std::size_t best_parameters = 0;
  std::size_t front_size = 0;  ///< members on the Pareto front (accuracy ↑, edges ↓)
  double mean_accuracy = 0;
  std::size_t min_edges = 0;
  std::size_t max_edges = 0;
  double mean_edges = 0;
  std::size_t trained = 0;   ///< members trained (parents and children)
  std::size_t diverged = 0;  ///< members dropped for a non-finite loss
  double seconds = 0;        ///< wall time of this generation
  double elapsed_s = 0;      ///< run wall time at its end, all sessions (stopped time not counted)
};

/// One field of GenerationStats: its key in JSON, its column in CSV files, the member.
template <class M>
struct GenerationStatsField {
  std::string_view json;
  std::string_view csv;
  M GenerationStats::*member;
};

namespace detail {

template <class M>
constexpr GenerationStatsField<M> stats_field(std::string_view json, std::string_view csv,
                                              M GenerationStats::*member) {
  return {json, csv, member};
}

/// Every field, in the column order of generations.csv.
inline constexpr auto generation_stats_fields = std::make_tuple(
    stats_field("generation", "generation", &GenerationStats::generation),
    stats_field("morphed", "morphed", &GenerationStats::morphed),
    stats_field("best_accuracy", "best_val_acc", &GenerationStats::best_accuracy),
    stats_field("best_edges", "best_edges", &GenerationStats::best_edges),
    stats_field("best_parameters", "best_params", &GenerationStats::best_parameters),
    stats_field("best_id", "best_id", &GenerationStats::best_id),
    stats_field("front_size", "front_size", &GenerationStats::front_size),
    stats_field("mean_accuracy", "mean_val_acc", &GenerationStats::mean_accuracy),
    stats_field("min_edges", "min_edges", &GenerationStats::min_edges),
    stats_field("mean_edges", "mean_edges", &GenerationStats::mean_edges),
    stats_field("max_edges", "max_edges", &GenerationStats::max_edges),
    stats_field("trained", "trained", &GenerationStats::trained),
    stats_field("diverged", "diverged", &GenerationStats::diverged),
    stats_field("seconds", "generation_s", &GenerationStats::seconds),
    stats_field("elapsed_s", "wall_s", &GenerationStats::elapsed_s));

}  // namespace detail

/// Calls visit(field) for every field of GenerationStats (a GenerationStatsField<M> for the
/// member's type M), in the column order of generations.csv.
template <class Visit>
constexpr void for_each_generation_stats_field(Visit&& visit) {
  std::apply([&](const auto&... field) { (visit(field), ...); }, detail::generation_stats_fields);
}

}  // namespace chaosnet
