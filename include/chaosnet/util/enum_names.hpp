#pragma once

// One table of names per enum, so that to_string, parsing, the "expected a, b or c" of error
// messages and the CLI's list of accepted values cannot drift apart.
//
// An enum opts in by declaring, in its own namespace (next to the enum), one function that
// argument-dependent lookup finds:
//
//   enum class Fruit { apple, pear };
//   constexpr util::EnumTable<Fruit, 2> enum_names(Fruit) {
//     return {{{Fruit::apple, "apple"}, {Fruit::pear, "pear"}}};
//   }
//
// A function rather than a trait specialisation because it sits right after the enum, also for
// an enum nested in a class, without closing and reopening namespaces. The table's order is the
// order of the names in messages and in --help. Then:
//   to_string(Fruit::pear)               "pear" (std::string_view; chaosnet::to_string, by ADL
//                                        for enums of namespace chaosnet)
//   util::parse_enum<Fruit>("pear")      Fruit::pear; std::nullopt for a name not in the table
//   util::enum_names_text<Fruit>()       "apple or pear" ("a, b or c" for three)
//   util::enum_name_list<Fruit>()        {"apple", "pear"}, e.g. for CLI::IsMember
// util::or_list writes any list of names the way enum_names_text does (preset names, batch sizes).

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace chaosnet::util {

/// The (enumerator, name) table an enum's enum_names() returns.
template <class E, std::size_t K>
using EnumTable = std::array<std::pair<E, std::string_view>, K>;

/// An enum with a name table found by ADL (see the file comment).
template <class E>
concept NamedEnum = std::is_enum_v<E> && requires(E value) {
  { enum_names(value).size() } -> std::convertible_to<std::size_t>;
};

/// The name of `value`; "?" for a value outside the table (a cast from a bad integer).
template <NamedEnum E>
constexpr std::string_view enum_name(E value) {
  for (const auto& [enumerator, name] : enum_names(E{})) {
    if (enumerator == value) return name;
  }
  return "?";
}

/// The enumerator called `name`, or std::nullopt.
template <NamedEnum E>
constexpr std::optional<E> parse_enum(std::string_view name) {
  for (const auto& [enumerator, known] : enum_names(E{})) {
    if (known == name) return enumerator;
  }
  return std::nullopt;
}

/// The names in table order, as CLI::IsMember takes them.
template <NamedEnum E>
std::vector<std::string> enum_name_list() {
  std::vector<std::string> names;
  for (const auto& entry : enum_names(E{})) names.emplace_back(entry.second);
  return names;
}

/// `items` for messages: "a", "a or b", "a, b or c".
inline std::string or_list(const std::vector<std::string>& items) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text += i + 1 == items.size() ? " or " : ", ";
    text += items[i];
  }
  return text;
}

/// The names in table order for messages: "a", "a or b", "a, b or c".
template <NamedEnum E>
std::string enum_names_text() {
  return or_list(enum_name_list<E>());
}

}  // namespace chaosnet::util

namespace chaosnet {

/// The name of any enum with a name table, e.g. to_string(NodeKind::leaf) == "leaf".
template <util::NamedEnum E>
constexpr std::string_view to_string(E value) {
  return util::enum_name(value);
}

}  // namespace chaosnet
