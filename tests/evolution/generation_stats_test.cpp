// GenerationStats: the field table names every member once, in the column order of
// generations.csv, and visits each with its own type.

#include <chaosnet/evolution/generation_stats.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

TEST_CASE("GenerationStats: the field table lists every member once", "[evolution][generation_stats]") {
  std::vector<std::string> csv;
  std::set<std::string> json;
  chaosnet::GenerationStats stats;
  double sum = 0;
  chaosnet::for_each_generation_stats_field([&](const auto& field) {
    csv.emplace_back(field.csv);
    json.emplace(field.json);
    stats.*field.member = 1;  // every member, whatever its type, set through the table
  });
  CHECK(csv == std::vector<std::string>{"generation", "morphed", "best_val_acc", "best_edges",
                                        "best_params", "best_id", "front_size", "mean_val_acc",
                                        "min_edges", "mean_edges", "max_edges", "trained",
                                        "diverged", "generation_s", "wall_s"});
  CHECK(json.size() == csv.size());
  CHECK(json.count("best_accuracy") == 1);
  CHECK(json.count("elapsed_s") == 1);
  sum = static_cast<double>(stats.generation + stats.best_id + stats.best_edges +
                            stats.best_parameters + stats.front_size + stats.min_edges +
                            stats.max_edges + stats.trained + stats.diverged) +
        stats.best_accuracy + stats.mean_accuracy + stats.mean_edges + stats.seconds +
        stats.elapsed_s + (stats.morphed ? 1 : 0);
  CHECK(sum == 15);  // the table reaches all 15 members
  static_assert(sizeof(chaosnet::GenerationStats) == 15 * 8,
                "a new GenerationStats member needs its row in the field table");
}
