#pragma once

// The checkpoint target and the corpus generator both need bodies wrapped in a valid header.

#include <chaosnet/evolution/checkpoint.hpp>

#include <string>
#include <string_view>

namespace chaosnet::fuzz {

/// A checkpoint file holding `body`, its header written as checkpoint_to_string writes it.
inline std::string checkpoint_file_text(std::string_view body) {
  return "{\"format\":\"" + std::string(checkpoint_format) +
         "\",\"version\":" + std::to_string(checkpoint_format_version) +
         ",\"bytes\":" + std::to_string(body.size()) + ",\"fnv1a64\":\"" +
         detail::hex64(detail::fnv1a64(body)) + "\",\"body\":" + std::string(body) + "}\n";
}

}  // namespace chaosnet::fuzz
