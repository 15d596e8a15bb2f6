#pragma once

// What a run directory records about a run besides its population, so that a resumed run reads
// the same data split and keeps the same budget. It travels in every checkpoint's "extra" object
// under "evolve".

#include <chaosnet/evolution/checkpoint.hpp>
#include <chaosnet/io/json_reader.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace chaosnet {

struct RunRecord {
  std::filesystem::path data;  ///< the dataset directory, absolute
  std::string preset;          ///< the evolution preset the options started from
  std::size_t validation = 10000;  ///< training samples held out (from the end) for validation
  std::size_t eval_samples = 0;    ///< selection on the first this-many of them; 0: all
  std::optional<double> minutes;   ///< time budget over all sessions, if any
  std::optional<std::size_t> generations;  ///< generation budget over all sessions, if any

  /// The key of the record in a checkpoint's extra object.
  static constexpr std::string_view checkpoint_key = "evolve";

  [[nodiscard]] nlohmann::json to_json() const {
    return {{"data", data.string()},
            {"preset", preset},
            {"validation", validation},
            {"eval_samples", eval_samples},
            {"minutes", minutes ? nlohmann::json(*minutes) : nlohmann::json()},
            {"generations", generations ? nlohmann::json(*generations) : nlohmann::json()}};
  }

  /// The record to_json() wrote; CheckpointError naming `file` and the field at fault if `j`
  /// is not one.
  static RunRecord from_json(const nlohmann::json& j, const std::filesystem::path& file) {
    const JsonPlace at = JsonPlace::root<CheckpointError>(file, "body.extra.evolve");
    RunRecord r;
    r.data = read_field<std::string>(j, at, "data");
    r.preset = read_field<std::string>(j, at, "preset");
    r.validation = read_field<std::size_t>(j, at, "validation");
    r.eval_samples = read_field<std::size_t>(j, at, "eval_samples");
    if (!json_member(j, at, "minutes").is_null()) r.minutes = read_field<double>(j, at, "minutes");
    if (!json_member(j, at, "generations").is_null()) {
      r.generations = read_field<std::size_t>(j, at, "generations");
    }
    return r;
  }

  /// The extra object of a checkpoint that carries this record.
  [[nodiscard]] nlohmann::json checkpoint_extra() const {
    return {{std::string(checkpoint_key), to_json()}};
  }

  /// The record in the extra object of the checkpoint loaded from `file`.
  static RunRecord from_checkpoint_extra(const nlohmann::json& extra,
                                         const std::filesystem::path& file) {
    return from_json(extra.value(std::string(checkpoint_key), nlohmann::json::object()), file);
  }
};

}  // namespace chaosnet
