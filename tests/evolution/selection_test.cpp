// Selection on synthetic scores: the seed score ordering, Pareto fronts, crowding distances,
// NSGA-II survivor choice, and the edge cap.

#include <chaosnet/evolution/selection.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

using chaosnet::Fitness;

namespace {

using Indices = std::vector<std::size_t>;

chaosnet::SelectionOptions pareto(double window, double margin = 0) {
  return {chaosnet::SelectionMethod::pareto, 0.05, window, margin};
}

}  // namespace

TEST_CASE("Selection: the seed score adds c * min_edges / edges to the accuracy",
          "[evolution][selection]") {
  CHECK(chaosnet::seed_score({0.90, 1000}, 500, 0.05) == Approx(0.925));
  CHECK(chaosnet::seed_score({0.90, 500}, 500, 0.05) == Approx(0.95));
  CHECK(chaosnet::seed_score({0.50, 0}, 0, 0.05) == Approx(0.50));  // no division by zero
  // Scores 0.955, 0.97, 0.9225, 0.975: 0.92 at 650 edges beats 0.93 at 1,300 on size.
  const std::vector<Fitness> group{{0.93, 1300}, {0.92, 650}, {0.91, 2600}, {0.95, 1300}};
  CHECK(chaosnet::rank_by_seed_score(group, 0.05) == Indices{3, 1, 0, 2});
  CHECK(chaosnet::rank_by_seed_score(group, 0.0) == Indices{3, 0, 1, 2});
  // Ties keep the earlier candidate first.
  const std::vector<Fitness> ties{{0.9, 100}, {0.9, 100}, {0.9, 100}};
  CHECK(chaosnet::rank_by_seed_score(ties, 0.05) == Indices{0, 1, 2});
}

TEST_CASE(
    "Selection: seed selection keeps the best half of parents and of children, each group "
    "scored against its own smallest",
    "[evolution][selection]") {
  const std::vector<Fitness> parents{{0.80, 100}, {0.90, 400}, {0.85, 200}, {0.70, 100}};
  const std::vector<Fitness> children{{0.91, 1000}, {0.60, 50}, {0.92, 900}, {0.89, 800}};
  const auto s = chaosnet::select_seed(parents, children, 2, 2, 0.05);
  // Parents (min 100): 0.85, 0.9125, 0.875, 0.75.
  CHECK(s.parents == Indices{1, 2});
  // Children (min 50): 0.9125, 0.65, 0.92278, 0.893125.
  CHECK(s.children == Indices{2, 0});
}

TEST_CASE("Selection: dominance and non-dominated fronts", "[evolution][selection]") {
  CHECK(chaosnet::dominates({0.9, 100}, {0.8, 200}));
  CHECK(chaosnet::dominates({0.9, 100}, {0.9, 200}));
  CHECK(chaosnet::dominates({0.9, 100}, {0.8, 100}));
  CHECK_FALSE(chaosnet::dominates({0.9, 100}, {0.9, 100}));
  CHECK_FALSE(chaosnet::dominates({0.9, 200}, {0.8, 100}));

  const std::vector<Fitness> all{
      {0.95, 1000},  // 0: front 0
      {0.90, 500},   // 1: front 0
      {0.80, 100},   // 2: front 0
      {0.90, 800},   // 3: dominated by 1 -> front 1
      {0.85, 600},   // 4: dominated by 1 -> front 1
      {0.70, 200},   // 5: dominated by 2 -> front 1
      {0.60, 900},   // 6: dominated by 3, 4 -> front 2
      {0.90, 500},   // 7: equal to 1: front 0 as well
  };
  const auto fronts = chaosnet::non_dominated_fronts(all);
  REQUIRE(fronts.size() == 3);
  CHECK(fronts[0] == Indices{0, 1, 2, 7});
  CHECK(fronts[1] == Indices{3, 4, 5});
  CHECK(fronts[2] == Indices{6});
  CHECK(chaosnet::pareto_front(all) == Indices{2, 1, 7, 0});  // by edges
}

TEST_CASE("Selection: crowding distances follow NSGA-II", "[evolution][selection]") {
  const std::vector<Fitness> all{{0.80, 100}, {0.90, 500}, {0.95, 1000}, {0.85, 300}};
  const Indices front{0, 3, 1, 2};
  const auto d = chaosnet::crowding_distances(all, front);
  const double inf = std::numeric_limits<double>::infinity();
  // Accuracy range 0.15, edge range 900. Member 3 (0.85, 300): neighbours 0 and 1:
  // (0.90 - 0.80) / 0.15 + (500 - 100) / 900. Member 1 (0.90, 500): neighbours 3 and 2:
  // (0.95 - 0.85) / 0.15 + (1000 - 300) / 900.
  // d is aligned with `front`: members 0, 3, 1, 2.
  CHECK(d[0] == inf);
  CHECK(d[1] == Approx(0.10 / 0.15 + 400.0 / 900));
  CHECK(d[2] == Approx(0.10 / 0.15 + 700.0 / 900));
  CHECK(d[3] == inf);
  // Degenerate fronts: one or two members are all extremes; a zero range adds nothing.
  CHECK(chaosnet::crowding_distances(all, Indices{1})[0] == inf);
  const std::vector<Fitness> same{{0.9, 100}, {0.9, 100}, {0.9, 100}};
  const auto flat = chaosnet::crowding_distances(same, Indices{0, 1, 2});
  CHECK(flat[0] == inf);
  CHECK(flat[1] == 0);
  CHECK(flat[2] == inf);
}

TEST_CASE("Selection: NSGA-II keeps whole fronts, then the least crowded of the last",
          "[evolution][selection]") {
  const std::vector<Fitness> all{
      {0.95, 1000}, {0.90, 500}, {0.80, 100},              // front 0
      {0.94, 1100}, {0.89, 520}, {0.88, 510}, {0.70, 150}  // front 1
  };
  CHECK(chaosnet::select_pareto(all, 3) == Indices{0, 2, 1});
  const auto five = chaosnet::select_pareto(all, 5);
  REQUIRE(five.size() == 5);
  CHECK(Indices(five.begin(), five.begin() + 3) == Indices{0, 2, 1});
  // Front 1's extremes (3: most accurate and largest, 6: least accurate and smallest) are
  // infinitely far from the rest; 4 and 5 are crowded together.
  CHECK(Indices(five.begin() + 3, five.end()) == Indices{3, 6});
  CHECK(chaosnet::select_pareto(all, 100).size() == all.size());
}

TEST_CASE("Selection: candidates above the cap are never selected", "[evolution][selection]") {
  const std::vector<Fitness> all{{0.99, 5000}, {0.90, 1300}, {0.85, 800}, {0.97, 1301}};
  const std::size_t cap = 1300;
  CHECK(chaosnet::within_cap(all[1], cap));
  CHECK_FALSE(chaosnet::within_cap(all[3], cap));
  CHECK(chaosnet::within_cap(all[0], 0));  // 0: no cap
  CHECK(chaosnet::rank_by_seed_score(all, 0.0, cap) == Indices{1, 2});
  CHECK(chaosnet::select_pareto(all, 4, cap) == Indices{1, 2});
  CHECK(chaosnet::pareto_front(all, cap) == Indices{2, 1});
  for (const auto& front : chaosnet::non_dominated_fronts(all, cap)) {
    for (const std::size_t i : front) CHECK(all[i].edges <= cap);
  }
  const auto s = chaosnet::select_seed(all, all, 4, 4, 0.05, cap);
  CHECK(s.parents.size() == 2);
  CHECK(s.children.size() == 2);
  // Scored against 800 edges, the smallest within the cap: 0.9308 and 0.90.
  CHECK(s.parents == Indices{1, 2});
}

TEST_CASE("Selection: an accuracy window ranks the inaccurate low end of the front last",
          "[evolution][selection]") {
  const std::vector<Fitness> all{
      {0.95, 3000}, {0.93, 1500}, {0.90, 1000},  // within 0.06 of the best
      {0.60, 100},  {0.80, 400},                 // on the front, but far below the best
      {0.94, 3500}                               // dominated by 0
  };
  CHECK(chaosnet::select_pareto(all, 3) == Indices{0, 3, 4});  // a plain front keeps the extremes
  CHECK(chaosnet::select_pareto(all, 3, 0, pareto(0.06)) == Indices{0, 2, 1});
  // The window only orders: what is left is filled from the rest.
  const auto five = chaosnet::select_pareto(all, 5, 0, pareto(0.06));
  CHECK(Indices(five.begin(), five.begin() + 4) == Indices{0, 2, 1, 5});
  CHECK((five[4] == 3 || five[4] == 4));
  // Over-cap candidates are neither selected nor the reference for the window.
  CHECK(chaosnet::select_pareto(all, 2, 2000, pareto(0.06)) == Indices{1, 2});
}

TEST_CASE("Selection: a dominance margin keeps a larger network that is about as accurate",
          "[evolution][selection]") {
  // 1 is smaller than 0 and, by a noise-sized 0.1 %, more accurate.
  const std::vector<Fitness> all{{0.960, 3000}, {0.961, 2000}, {0.950, 2500}, {0.900, 500}};
  CHECK(chaosnet::dominates(all[1], all[0]));
  CHECK_FALSE(chaosnet::dominates(all[1], all[0], 0.002));
  CHECK(chaosnet::dominates(all[1], all[2], 0.002));  // 1.1 % better and smaller
  CHECK_FALSE(chaosnet::dominates(all[0], all[0], 0.002));
  CHECK(chaosnet::non_dominated_fronts(all).front() == Indices{1, 3});
  CHECK(chaosnet::non_dominated_fronts(all, 0, 0.002).front() == Indices{0, 1, 3});
  CHECK(chaosnet::select_pareto(all, 2) == Indices{1, 3});
  const auto kept = chaosnet::select_pareto(all, 3, 0, pareto(0, 0.002));
  CHECK(std::find(kept.begin(), kept.end(), 0) != kept.end());
}

TEST_CASE("Selection: methods keep the names of checkpoints and the CLI", "[evolution][selection]") {
  using chaosnet::SelectionMethod;
  CHECK(chaosnet::to_string(SelectionMethod::seed_score) == "seed");
  CHECK(chaosnet::to_string(SelectionMethod::pareto) == "pareto");
  CHECK(chaosnet::util::parse_enum<SelectionMethod>("seed") == SelectionMethod::seed_score);
  CHECK(chaosnet::util::parse_enum<SelectionMethod>("seed_score") == std::nullopt);
  CHECK(chaosnet::util::enum_names_text<SelectionMethod>() == "seed or pareto");
}
