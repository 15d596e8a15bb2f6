#pragma once

// A whole network's analytic gradients against central finite differences of its own loss on
// one batch, for tests that change the network (rewiring) or its loss (distillation).

#include <chaosnet/chaosnet.hpp>

#include <algorithm>
#include <vector>

namespace chaosnet_test {

/// relative_error(gradients(), finite differences) on `batch`; the parameters are left as found.
template <int N>
double network_gradient_error(chaosnet::Network<double, N>& net, const chaosnet::BatchRef& batch) {
  net.compute_gradients(batch);  // records (and compacts) first, so the slots stay put
  const std::vector<double> analytic(net.gradients().begin(), net.gradients().end());
  const std::vector<double> x(net.parameter_values().begin(), net.parameter_values().end());
  const auto numeric = chaosnet::finite_difference_gradient(
      [&](const std::vector<double>& p) {
        std::copy(p.begin(), p.end(), net.parameter_values().begin());
        return net.compute_gradients(batch);
      },
      x);
  std::copy(x.begin(), x.end(), net.parameter_values().begin());
  return chaosnet::relative_error(analytic, numeric);
}

}  // namespace chaosnet_test
