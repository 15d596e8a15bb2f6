// Checkpoints: a run stopped after any generation and resumed from its checkpoint ends bit for
// bit where an uninterrupted run ends; damaged checkpoints are rejected with the file named, and
// the previous good one is used and never overwritten.

#include <evolution/tiny_evolution.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <cstdint>
#include <limits>
#include <string>

using chaosnet::CheckpointError;
using chaosnet::Population;
using chaosnet::WorkerPool;
using chaosnet::test::TempDir;

namespace {

const chaosnet::MnistSplits& data() {
  static const chaosnet::MnistSplits splits = chaosnet_test::tiny_mnist();
  return splits;
}

void run(Population<float, 16>& population, std::size_t generations, std::size_t threads) {
  WorkerPool pool(threads);
  for (std::size_t g = 0; g < generations; ++g) {
    population.evolve(data().train, data().validation, pool);
  }
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

/// A checkpoint file around `body` with a sound header (its size and checksum).
std::string framed(const std::string& body) {
  return chaosnet::checksummed_file_text(chaosnet::checkpoint_file_format, body);
}

/// The body of a checkpoint file, without its header and closing.
std::string body_of(const std::string& checkpoint) {
  const std::size_t begin = checkpoint.find("\"body\":") + 7;
  return checkpoint.substr(begin, checkpoint.size() - begin - 2);
}

Population<float, 16> fresh() {
  return Population<float, 16>(chaosnet_test::tiny_evolution_options(), data().train.features(),
                               10);
}

}  // namespace

TEST_CASE("Checkpoint: 4 generations equal 2, a checkpoint, a new process and 2 more, bit for bit",
          "[evolution][checkpoint]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.selection.method =
      GENERATE(chaosnet::SelectionMethod::seed_score, chaosnet::SelectionMethod::pareto);
  // Node failure draws masks from a counter the checkpoint does not store: each generation
  // restarts it, so a resumed run draws what the straight one drew.
  if (GENERATE(false, true)) options.failure = chaosnet::NodeFailure{.fail_prob = 0.3, .noise_std = 0.05, .seed = 7};
  INFO("failure " << options.failure.has_value());
  Population<float, 16> straight(options, data().train.features(), 10);
  run(straight, 4, 2);

  const TempDir dir;
  {
    Population<float, 16> first_half(options, data().train.features(), 10);
    run(first_half, 2, 2);
    chaosnet::save_checkpoint(dir.path(), first_half, {{"note", "half way"}});
  }  // "killed": nothing survives but the files
  auto resumed = chaosnet::load_checkpoint<float, 16>(dir.path());
  CHECK(resumed.warning.empty());
  CHECK(resumed.file == dir / "checkpoint.json");
  CHECK(resumed.extra["note"] == "half way");
  CHECK(resumed.population.generation() == 2);
  run(resumed.population, 2, 1);  // another thread count, too
  CHECK(chaosnet_test::same_members(straight, resumed.population));
  CHECK(resumed.population.history().size() == 4);
}

TEST_CASE("Checkpoint: the text round trip is exact", "[evolution][checkpoint]") {
  auto population = fresh();
  run(population, 2, 2);
  const std::string text = chaosnet::checkpoint_to_string(population);
  const auto loaded = chaosnet::checkpoint_from_string<float, 16>(text, "memory");
  CHECK(chaosnet::checkpoint_to_string(loaded.population) == text);
  CHECK(chaosnet_test::same_members(population, loaded.population));
  const auto& o = loaded.population.options();
  const auto& e = population.options();
  CHECK(chaosnet::evolution_options_to_json(o) == chaosnet::evolution_options_to_json(e));
  CHECK(o.mutation.prune_policy == e.mutation.prune_policy);
  CHECK(o.max_edges == e.max_edges);
}

TEST_CASE("Checkpoint: a cosine schedule within generations is kept; older files train at a constant rate",
          "[evolution][checkpoint]") {
  auto options = chaosnet_test::tiny_evolution_options();
  options.generation_schedule.decay = chaosnet::LearningRateDecay::cosine;
  Population<float, 16> cosine(options, data().train.features(), 10);
  run(cosine, 2, 2);
  // Every member ended its generation's training at the bottom of the decay.
  for (const auto& m : cosine.members()) {
    CHECK(m.optimizer.options().learning_rate ==
          Approx(options.optimizer.learning_rate * options.generation_schedule.floor));
  }
  auto constant = fresh();
  run(constant, 2, 2);
  CHECK(chaosnet::population_fingerprint(cosine) != chaosnet::population_fingerprint(constant));

  const std::string text = chaosnet::checkpoint_to_string(cosine);
  auto loaded = chaosnet::checkpoint_from_string<float, 16>(text, "memory");
  CHECK(loaded.population.options().generation_schedule.decay == chaosnet::LearningRateDecay::cosine);
  run(loaded.population, 1, 1);
  run(cosine, 1, 2);
  CHECK(chaosnet_test::same_members(cosine, loaded.population));

  nlohmann::json body = nlohmann::json::parse(body_of(text));
  REQUIRE(body["options"].contains("generation_schedule"));
  body["options"].erase("generation_schedule");
  const auto old = chaosnet::checkpoint_from_string<float, 16>(framed(body.dump()), "old.json");
  CHECK(old.population.options().generation_schedule.decay == chaosnet::LearningRateDecay::constant);
}

TEST_CASE("Checkpoint: immigrant settings are kept; older files take no immigrants",
          "[evolution][checkpoint]") {
  auto options = chaosnet_test::tiny_budget_options();
  options.immigrant_every = 2;
  options.immigrant_epochs = 1;
  Population<float, 16> population(options, data().train.features(), 10);
  run(population, 1, 2);
  const std::string text = chaosnet::checkpoint_to_string(population);
  auto loaded = chaosnet::checkpoint_from_string<float, 16>(text, "memory");
  CHECK(loaded.population.options().immigrant_every == 2);
  CHECK(loaded.population.options().immigrant_epochs == 1);
  // Generation 2 takes in immigrants, the same in the resumed and the uninterrupted run.
  run(loaded.population, 1, 1);
  run(population, 1, 2);
  CHECK(chaosnet_test::same_members(population, loaded.population));

  nlohmann::json body = nlohmann::json::parse(body_of(text));
  body["options"].erase("immigrant_every");
  body["options"].erase("immigrant_epochs");
  const auto old = chaosnet::checkpoint_from_string<float, 16>(framed(body.dump()), "old.json");
  CHECK(old.population.options().immigrant_every == 0);
}

TEST_CASE("Checkpoint: empty, garbage, truncated and damaged files are rejected, naming the file",
          "[evolution][checkpoint]") {
  auto population = fresh();
  run(population, 1, 1);
  const std::string good = chaosnet::checkpoint_to_string(population);
  const std::filesystem::path file = "run/checkpoint.json";
  auto rejects = [&](const std::string& text, const std::string& problem) {
    INFO(problem);
    CHECK_THROWS_AS((chaosnet::checkpoint_from_string<float, 16>(text, file)), CheckpointError);
    CHECK_THROWS_WITH((chaosnet::checkpoint_from_string<float, 16>(text, file)),
                      Catch::StartsWith("run/checkpoint.json: ") && Catch::Contains(problem));
  };
  // The frame's other checks: tests/io/checksummed_file_test.cpp.
  rejects("", "is empty");
  rejects("garbage\n", "is not a chaosnet evolution checkpoint");
  std::string flipped = good;
  flipped[good.size() / 2] = flipped[good.size() / 2] == '1' ? '2' : '1';
  rejects(flipped, "do not match their checksum");
  std::string version = good;
  version.replace(version.find("\"version\":2"), 11, "\"version\":9");
  rejects(version, "is checkpoint format version 9");
  // Sound frame, but an optimizer state that a float cannot hold.
  std::string beyond_float = body_of(good);
  const std::size_t state_at = beyond_float.find("\"state\":[[");
  REQUIRE(state_at != std::string::npos);
  const std::size_t first_at = beyond_float.find(',', state_at) + 1;
  beyond_float.replace(first_at, beyond_float.find(',', first_at) - first_at, "1e300");
  rejects(framed(beyond_float), "1e+300 does not fit in float");
  // Sound file, other batch size or scalar type.
  CHECK_THROWS_WITH((chaosnet::checkpoint_from_string<float, 32>(good, file)),
                    Catch::Contains("body.batch: the checkpoint was saved with batch size 16 and "
                                    "is being loaded with 32; load it with batch size 16"));
  CHECK_THROWS_WITH((chaosnet::checkpoint_from_string<double, 16>(good, file)),
                    Catch::Contains("holds float networks"));
}

TEST_CASE("Checkpoint: a damaged newest checkpoint falls back to the previous one, which is kept",
          "[evolution][checkpoint]") {
  const TempDir dir;
  const auto files = chaosnet::checkpoint_files(dir.path());
  auto population = fresh();
  run(population, 1, 2);
  chaosnet::save_checkpoint(dir.path(), population);
  CHECK(chaosnet::checkpoint_batch_size(dir.path()) == 16);
  run(population, 1, 2);
  chaosnet::save_checkpoint(dir.path(), population);
  REQUIRE(std::filesystem::exists(files.previous));
  const std::string previous = read(files.previous);
  const std::string newest = read(files.current);

  SECTION("a truncated newest checkpoint") {
    write(files.current, newest.substr(0, newest.size() - 100));
  }
  SECTION("a garbled newest checkpoint") { write(files.current, std::string(newest.size(), 'x')); }
  SECTION("a missing newest checkpoint") { std::filesystem::remove(files.current); }

  auto loaded = chaosnet::load_checkpoint<float, 16>(dir.path());
  CHECK(loaded.population.generation() == 1);
  CHECK(loaded.file == files.previous);
  CHECK_THAT(loaded.warning,
             Catch::Contains("checkpoint.json: ") && Catch::Contains("checkpoint.prev.json"));
  // Continuing never replaces the good previous checkpoint with the damaged one.
  run(loaded.population, 1, 1);
  chaosnet::save_checkpoint(dir.path(), loaded.population);
  CHECK(read(files.previous) == previous);
  CHECK(chaosnet::load_checkpoint<float, 16>(dir.path()).population.generation() == 2);
  CHECK(read(files.current) == chaosnet::checkpoint_to_string(loaded.population));
  // The next save rotates normally.
  chaosnet::save_checkpoint(dir.path(), loaded.population);
  CHECK(read(files.previous) == read(files.current));
}

TEST_CASE("Checkpoint: nothing usable to resume from is a clear error", "[evolution][checkpoint]") {
  const TempDir dir;
  CHECK_THROWS_AS((chaosnet::load_checkpoint<float, 16>(dir.path())), CheckpointError);
  CHECK_THROWS_WITH((chaosnet::load_checkpoint<float, 16>(dir.path())),
                    Catch::Contains("holds no checkpoint to resume from"));
  const auto files = chaosnet::checkpoint_files(dir.path());
  write(files.current, "{\"format\"");
  CHECK_THROWS_WITH((chaosnet::load_checkpoint<float, 16>(dir.path())),
                    Catch::Contains("checkpoint.json: is not a chaosnet evolution checkpoint") &&
                        Catch::Contains("no previous checkpoint"));
  write(files.previous, "");
  CHECK_THROWS_WITH(
      (chaosnet::load_checkpoint<float, 16>(dir.path())),
      Catch::Contains("checkpoint.json") && Catch::Contains("checkpoint.prev.json: is empty"));
}

TEST_CASE("Checkpoint: JSON nested deeper than 128 levels is rejected, naming the file",
          "[evolution][checkpoint]") {
  auto population = fresh();
  run(population, 1, 1);
  const std::string good = chaosnet::checkpoint_to_string(population, {{"deep", 0}});
  // A checkpoint whose sound header guards a body with `deep` as the value of extra.deep.
  const auto with_deep = [&](const std::string& deep) {
    std::string text = body_of(good);
    text.replace(text.find("\"deep\":0"), 8, "\"deep\":" + deep);
    return framed(text);
  };
  REQUIRE(with_deep("0") == good);
  // body (level 1), extra (2) and 126 arrays: the limit.
  const std::string at_limit = std::string(126, '[') + std::string(126, ']');
  CHECK(chaosnet::checkpoint_from_string<float, 16>(with_deep(at_limit), "memory")
            .extra["deep"]
            .is_array());
  const TempDir dir;
  for (const std::size_t arrays : {std::size_t{127}, std::size_t{150000}}) {
    INFO(arrays << " arrays");
    write(dir / "checkpoint.json", with_deep(std::string(arrays, '[') + std::string(arrays, ']')));
    const std::string problem =
        (dir / "checkpoint.json").string() + ": has JSON nesting deeper than 128 levels";
    CHECK_THROWS_AS((chaosnet::load_checkpoint<float, 16>(dir.path())), CheckpointError);
    CHECK_THROWS_WITH((chaosnet::load_checkpoint<float, 16>(dir.path())),
                      Catch::StartsWith(problem));
    CHECK_THROWS_WITH(chaosnet::checkpoint_batch_size(dir.path()), Catch::StartsWith(problem));
  }
}

TEST_CASE("Checkpoint: NaN and infinities are refused when saving, naming the field",
          "[evolution][checkpoint]") {
  auto population = fresh();
  run(population, 1, 1);
  const TempDir dir;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto refused = [&](const Population<float, 16>& p, const nlohmann::json& extra,
                           const std::string& problem) {
    INFO(problem);
    CHECK_THROWS_AS(chaosnet::save_checkpoint(dir.path(), p, extra), CheckpointError);
    CHECK_THROWS_WITH(chaosnet::save_checkpoint(dir.path(), p, extra),
                      (dir / "checkpoint.json").string() + ": cannot save " + problem +
                          ", which JSON cannot hold (null would be written)");
    CHECK_FALSE(std::filesystem::exists(dir / "checkpoint.json"));
  };
  refused(population, {{"wall", {{"seconds", nan}}}}, "extra.wall.seconds: it is nan");
  auto state = population.state();
  state.members[1].accuracy = nan;
  refused(Population<float, 16>(population.options(), state), nlohmann::json::object(),
          "members[1].accuracy: it is nan");
  state = population.state();
  state.history[0].mean_edges = -std::numeric_limits<double>::infinity();
  refused(Population<float, 16>(population.options(), state), nlohmann::json::object(),
          "history[0].mean_edges: it is -inf");
}
