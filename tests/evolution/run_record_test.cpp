// RunRecord: the settings a run directory keeps survive a checkpoint's extra object, and a
// record that is not one is refused naming the file.

#include <chaosnet/evolution/run_record.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

using chaosnet::RunRecord;

TEST_CASE("RunRecord: round trip through a checkpoint's extra object", "[evolution][run_record]") {
  RunRecord record;
  record.data = "/data/mnist";
  record.preset = "v02";
  record.validation = 500;
  record.eval_samples = 100;
  record.minutes = 2.5;
  const nlohmann::json extra = record.checkpoint_extra();
  CHECK(extra.dump() ==
        R"({"evolve":{"data":"/data/mnist","eval_samples":100,"generations":null,"minutes":2.5,)"
        R"("preset":"v02","validation":500}})");
  const RunRecord back = RunRecord::from_checkpoint_extra(nlohmann::json::parse(extra.dump()), "f");
  CHECK(back.data == record.data);
  CHECK(back.preset == "v02");
  CHECK(back.validation == 500);
  CHECK(back.eval_samples == 100);
  CHECK(back.minutes == 2.5);
  CHECK_FALSE(back.generations.has_value());
}

TEST_CASE("RunRecord: a missing or mistyped field is a CheckpointError naming the file",
          "[evolution][run_record]") {
  RunRecord record;
  record.generations = 3;
  nlohmann::json extra = record.checkpoint_extra();
  CHECK(RunRecord::from_checkpoint_extra(extra, "f").generations == 3u);
  extra["evolve"]["validation"] = "many";
  CHECK_THROWS_AS(RunRecord::from_checkpoint_extra(extra, "run/checkpoint.json"),
                  chaosnet::CheckpointError);
  CHECK_THROWS_WITH(RunRecord::from_checkpoint_extra(extra, "run/checkpoint.json"),
                    Catch::Contains("run/checkpoint.json") &&
                        Catch::Contains("extra.evolve.validation: expected an integer"));
  extra["evolve"]["validation"] = 10u;
  extra["evolve"]["minutes"] = "soon";
  CHECK_THROWS_WITH(RunRecord::from_checkpoint_extra(extra, "f"),
                    Catch::Contains("extra.evolve.minutes: expected a number"));
  CHECK_THROWS_WITH(RunRecord::from_checkpoint_extra(nlohmann::json::object(), "f"),
                    Catch::Contains("missing field \"data\""));
}
