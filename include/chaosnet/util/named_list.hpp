#pragma once

// Lists of named things (presets, schedules): their names in order, and lookup by name with an
// error that lists the known ones. Any element with a `name` convertible to std::string_view.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace chaosnet::util {

/// The names of `all`, in order (for a CLI's list of accepted values).
template <class Named>
std::vector<std::string> names_of(const std::vector<Named>& all) {
  std::vector<std::string> names;
  for (const Named& item : all) names.emplace_back(item.name);
  return names;
}

/// The element of `all` called `name`; std::invalid_argument "unknown <what> '<name>' (known:
/// a, b)" if there is none.
template <class Named>
const Named& find_named(const std::vector<Named>& all, std::string_view name,
                        std::string_view what) {
  std::string known;
  for (const Named& item : all) {
    if (item.name == name) return item;
    known += (known.empty() ? "" : ", ") + std::string(item.name);
  }
  throw std::invalid_argument("unknown " + std::string(what) + " '" + std::string(name) +
                              "' (known: " + known + ")");
}

}  // namespace chaosnet::util
