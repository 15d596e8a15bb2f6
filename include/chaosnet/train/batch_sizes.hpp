#pragma once

// The batch sizes a program compiles in. A network's batch size N (the lanes of every Tensor1D)
// is a template parameter, so a batch size chosen at run time has to pick one of a fixed set of
// instantiations; this is the set the chaosnet CLI builds, so that its help, its checks and its
// dispatch read one list.

#include <chaosnet/util/enum_names.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

inline constexpr std::array compiled_batch_sizes = {1, 16, 32, 64};

/// Whether `batch` is one of compiled_batch_sizes.
constexpr bool is_compiled_batch_size(int batch) {
  return std::find(compiled_batch_sizes.begin(), compiled_batch_sizes.end(), batch) !=
         compiled_batch_sizes.end();
}

/// "1, 16, 32 or 64".
inline std::string compiled_batch_sizes_text() {
  std::vector<std::string> sizes;
  for (const int n : compiled_batch_sizes) sizes.push_back(std::to_string(n));
  return util::or_list(sizes);
}

namespace detail {

template <std::size_t I, class R, class F>
R dispatch_batch_size_from(int batch, F& f) {
  if constexpr (I == compiled_batch_sizes.size()) {
    throw std::invalid_argument("batch size " + std::to_string(batch) +
                                " is not compiled in; use " + compiled_batch_sizes_text());
  } else {
    constexpr int n = compiled_batch_sizes[I];
    if (batch == n) return f.template operator()<n>();
    return dispatch_batch_size_from<I + 1, R>(batch, f);
  }
}

}  // namespace detail

/// Calls f.template operator()<N>() for the N of compiled_batch_sizes equal to `batch` and returns
/// what it returns (the same type for every N); std::invalid_argument naming the compiled sizes
/// when there is none.
template <class F>
decltype(auto) dispatch_batch_size(int batch, F&& f) {
  using Result = decltype(f.template operator()<compiled_batch_sizes.front()>());
  return detail::dispatch_batch_size_from<0, Result>(batch, f);
}

}  // namespace chaosnet
