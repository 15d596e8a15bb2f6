#pragma once

// Reads the PyTorch golden fixtures in tests/fixtures/autodiff/ (written by
// tests/tools/make_torch_fixtures.py, whose header documents the schema) and checks the values
// and gradients of a graph rebuilt with chaosnet ops against them.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chaosnet/autodiff/gradient_check.hpp>
#include <chaosnet/autodiff/ops.hpp>
#include <chaosnet/autodiff/tape.hpp>

namespace chaosnet::test {

using Json = nlohmann::json;

/// Tolerances against the float64 reference. Double: every element within
/// 1e-10·max(1, |expected|), edge cases included. Float: scale-free per vector,
/// ‖a − b‖ / (‖a‖ + ‖b‖) ≤ 1e-4 (relative_error, whose 1e-12 floor only keeps two zero vectors
/// at 0), a vector being one scalar, one batch, one batch of a multi-batch tensor or a whole
/// list of scalars. Float edge cases get 1e-3: float stores numbers near 1e4 only to
/// ±ulp/2 = 4.9e-4, so a log-softmax over tied logits of 1e4 has log_norm = 1e4 + ln 2 off by
/// up to that much, and every softmax term and gradient derived from it by that much
/// relatively (measured: 1.8e-4). No absolute floor is needed: no compared vector is near zero.
inline constexpr double double_tolerance = 1e-10;
inline constexpr double float_tolerance = 1e-4;
inline constexpr double float_edge_tolerance = 1e-3;

/// tests/fixtures/autodiff/<name>.json, parsed and format-checked.
inline Json load_torch_fixture(const std::string& name) {
  const std::string path = std::string(CHAOSNET_TEST_FIXTURES) + "/autodiff/" + name + ".json";
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot open " + path +
                             "; regenerate it with tests/tools/make_torch_fixtures.py");
  }
  Json doc = Json::parse(in);
  if (doc.at("format") != "chaosnet-torch-fixture/1") {
    throw std::runtime_error(path + ": unknown fixture format " + doc.at("format").dump());
  }
  return doc;
}

/// One case of a fixture (a batch of N samples), its numbers read in precision T. A view into
/// the parsed fixture, which must outlive it.
template <class T, int N>
class TorchCase {
 public:
  using Batch = Eigen::Array<T, N, 1>;

  TorchCase(const Json& document, const Json& json) : document_(&document), json_(&json) {}

  [[nodiscard]] const Json& document() const { return *document_; }
  [[nodiscard]] const Json& json() const { return *json_; }

  [[nodiscard]] T scalar(const std::string& input) const {
    return number(json_->at("inputs").at(input));
  }
  [[nodiscard]] Batch batch(const std::string& input) const {
    return to_batch(json_->at("inputs").at(input));
  }
  [[nodiscard]] std::vector<T> scalars(const std::string& input) const {
    std::vector<T> values;
    for (const Json& v : json_->at("inputs").at(input)) values.push_back(number(v));
    return values;
  }
  [[nodiscard]] std::vector<Batch> batches(const std::string& input) const {
    std::vector<Batch> values;
    for (const Json& v : json_->at("inputs").at(input)) values.push_back(to_batch(v));
    return values;
  }
  [[nodiscard]] std::array<int, static_cast<std::size_t>(N)> targets() const {
    const Json& labels = json_->at("targets");
    REQUIRE(labels.size() == static_cast<std::size_t>(N));
    std::array<int, static_cast<std::size_t>(N)> out{};
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = labels[k].get<int>();
    return out;
  }

  static T number(const Json& v) { return static_cast<T>(v.get<double>()); }
  static Batch to_batch(const Json& values) {
    REQUIRE(values.size() == static_cast<std::size_t>(N));
    Batch b;
    for (Eigen::Index k = 0; k < N; ++k) b[k] = number(values[static_cast<std::size_t>(k)]);
    return b;
  }

 private:
  const Json* document_;
  const Json* json_;
};

template <class T, int N>
std::vector<Tensor0D<T, N>> variables(Tape<T, N>& tape, const std::vector<T>& values) {
  std::vector<Tensor0D<T, N>> out;
  for (T v : values) out.push_back(tape.variable(v));
  return out;
}
template <class T, int N>
std::vector<Tensor1D<T, N>> variables(Tape<T, N>& tape,
                                      const std::vector<Eigen::Array<T, N, 1>>& values) {
  std::vector<Tensor1D<T, N>> out;
  for (const auto& v : values) out.push_back(tape.variable(v));
  return out;
}

/// A tensor of the rebuilt graph, named as in the fixture's "outputs" or "grads".
template <class T, int N>
struct TorchProbe {
  std::string name;
  std::variant<Tensor0D<T, N>, Tensor1D<T, N>, Tensor1DRange<T, N>, std::vector<Tensor0D<T, N>>,
               std::vector<Tensor1D<T, N>>>
      tensor;
};

/// What a test builds for one case: the outputs whose values are compared (and which carry the
/// loss coefficients), and the inputs whose gradients are compared.
template <class T, int N>
struct TorchGraph {
  std::vector<TorchProbe<T, N>> outputs;
  std::vector<TorchProbe<T, N>> inputs;
};

namespace detail {

enum class Read { value, grad };

template <class T, int N>
std::vector<double> numbers(const Tensor0D<T, N>& x, Read read) {
  return {static_cast<double>(read == Read::value ? x.value() : x.grad())};
}
template <class T, int N>
std::vector<double> numbers(const Tensor1D<T, N>& x, Read read) {
  const auto& b = read == Read::value ? x.value() : x.grad();
  return {b.begin(), b.end()};
}
template <class T, int N>
std::vector<double> numbers(const std::vector<Tensor0D<T, N>>& xs, Read read) {
  std::vector<double> out;
  for (const auto& x : xs) out.push_back(numbers(x, read).front());
  return out;
}

/// Numbers at full precision, for failure messages.
inline std::string format(const std::vector<double>& values) {
  std::ostringstream out;
  out << std::setprecision(17) << "{";
  for (std::size_t i = 0; i < values.size(); ++i) out << (i == 0 ? " " : ", ") << values[i];
  out << " }";
  return out.str();
}

inline std::vector<double> expected_numbers(const Json& expected) {
  if (expected.is_number()) return {expected.get<double>()};
  return expected.get<std::vector<double>>();
}

template <class T>
void check_close(const std::string& what, const Json& expected_json,
                 const std::vector<double>& actual, double float_bound) {
  const std::vector<double> expected = expected_numbers(expected_json);
  INFO(what << "\n  PyTorch:  " << format(expected) << "\n  chaosnet: " << format(actual));
  REQUIRE(actual.size() == expected.size());
  if constexpr (std::is_same_v<T, double>) {
    double worst = 0;  // the largest |a − b| / max(1, |b|)
    for (std::size_t i = 0; i < actual.size(); ++i) {
      worst =
          std::max(worst, std::abs(actual[i] - expected[i]) / std::max(1.0, std::abs(expected[i])));
    }
    INFO("error " << worst);
    CHECK(worst <= double_tolerance);
  } else {
    const double error = relative_error(actual, expected);
    INFO("error " << error);
    CHECK(error <= float_bound);
  }
}

template <class T, int N>
void check_probe(const TorchProbe<T, N>& probe, const Json& expected, Read read,
                 double float_bound) {
  std::visit(
      [&](const auto& tensor) {
        using Tensor = std::decay_t<decltype(tensor)>;
        if constexpr (std::is_same_v<Tensor, Tensor1DRange<T, N>> ||
                      std::is_same_v<Tensor, std::vector<Tensor1D<T, N>>>) {
          REQUIRE(expected.size() == tensor.size());
          for (std::size_t j = 0; j < tensor.size(); ++j) {
            check_close<T>(probe.name + "[" + std::to_string(j) + "]", expected[j],
                           numbers(tensor[j], read), float_bound);
          }
        } else {
          check_close<T>(probe.name, expected, numbers(tensor, read), float_bound);
        }
      },
      probe.tensor);
}

/// Σ over outputs with coefficients of Σ_k c_k·out_k, recorded on the graph's tape; with no
/// coefficients, the graph's single scalar output.
template <class T, int N>
Tensor0D<T, N> torch_loss(Tape<T, N>& tape, const TorchCase<T, N>& c,
                          const std::vector<TorchProbe<T, N>>& outputs) {
  const Json& coefficients = c.json().at("coefficients");
  std::vector<Tensor0D<T, N>> scalars;
  std::vector<Tensor1D<T, N>> terms;
  for (const TorchProbe<T, N>& o : outputs) {
    if (const auto* s = std::get_if<Tensor0D<T, N>>(&o.tensor)) scalars.push_back(*s);
    if (!coefficients.contains(o.name)) continue;
    const Json& coefficient = coefficients.at(o.name);
    std::visit(
        [&](const auto& tensor) {
          using Tensor = std::decay_t<decltype(tensor)>;
          if constexpr (std::is_same_v<Tensor, Tensor1D<T, N>>) {
            terms.push_back(mul(tape.input(TorchCase<T, N>::to_batch(coefficient)), tensor));
          } else if constexpr (std::is_same_v<Tensor, Tensor1DRange<T, N>> ||
                               std::is_same_v<Tensor, std::vector<Tensor1D<T, N>>>) {
            for (std::size_t j = 0; j < tensor.size(); ++j) {
              terms.push_back(
                  mul(tape.input(TorchCase<T, N>::to_batch(coefficient[j])), tensor[j]));
            }
          } else {
            FAIL("coefficients are only defined on batch outputs, not on " << o.name);
          }
        },
        o.tensor);
  }
  if (terms.empty()) {
    REQUIRE(scalars.size() == 1);
    return scalars.front();
  }
  Tensor1D<T, N> total = terms.front();
  for (std::size_t i = 1; i < terms.size(); ++i) total = add(total, terms[i]);
  return sum(total);
}

}  // namespace detail

/// For every case of `fixture` with batch size N: record `build(tape, case)` on a fresh tape,
/// add the fixture's loss, run backward, and compare every output value, the loss and the
/// gradient of every probed input with PyTorch.
template <class T, int N, class Build>
void check_torch_fixture(const std::string& fixture, Build build) {
  const Json doc = load_torch_fixture(fixture);
  int checked = 0;
  for (const Json& json : doc.at("cases")) {
    if (json.at("n").get<int>() != N) continue;
    ++checked;
    const auto label = json.at("label").get<std::string>();
    INFO(fixture << ".json, " << label << " case at n = " << N << " in "
                 << (std::is_same_v<T, double> ? "double" : "float"));
    const double float_bound = label == "edge" ? float_edge_tolerance : float_tolerance;
    const TorchCase<T, N> c(doc, json);
    Tape<T, N> tape;
    const TorchGraph<T, N> graph = build(tape, c);
    const Tensor0D<T, N> loss = detail::torch_loss(tape, c, graph.outputs);
    tape.zero_grad();
    tape.backward(loss);

    // Every reference output is compared, so a fixture value cannot be silently skipped.
    REQUIRE(graph.outputs.size() == json.at("outputs").size());
    for (const auto& o : graph.outputs) {
      detail::check_probe(o, json.at("outputs").at(o.name), detail::Read::value, float_bound);
    }
    detail::check_close<T>("loss", json.at("loss"), {static_cast<double>(loss.value())},
                           float_bound);
    REQUIRE_FALSE(graph.inputs.empty());
    for (const auto& i : graph.inputs) {
      detail::check_probe(i, json.at("grads").at(i.name), detail::Read::grad, float_bound);
    }
  }
  REQUIRE(checked > 0);
}

}  // namespace chaosnet::test
