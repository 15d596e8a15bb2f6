#pragma once

// What the checkpoint target and the corpus generator share: the short stand-in for a generator
// state that keeps seed bodies small. Both frame bodies with checksummed_file_text.

#include <chaosnet/evolution/checkpoint.hpp>

#include <string>
#include <string_view>

namespace chaosnet::fuzz {

/// As a string in a body, stands for the state of a default-constructed std::mt19937_64: the
/// text of a state is 312 numbers, most of a small checkpoint, and mutations spent on it would
/// miss the structure.
inline constexpr std::string_view rng_placeholder = "@mt19937_64";

/// `body` with every string rng_placeholder replaced by the text of that state.
inline std::string with_rng_states(std::string_view body) {
  static const std::string placeholder = "\"" + std::string(rng_placeholder) + "\"";
  static const std::string state = "\"" + rng_to_text(Rng()) + "\"";
  std::string text;
  for (auto at = body.find(placeholder); at != std::string_view::npos;
       at = body.find(placeholder)) {
    text.append(body.substr(0, at)).append(state);
    body.remove_prefix(at + placeholder.size());
  }
  return text.append(body);
}

}  // namespace chaosnet::fuzz
