// chaos_cortex against PyTorch (the seed's model written in torch, with its surrogate spike
// function), and each step of the seed's tick on values worked out by hand.

#include <chaosnet/autodiff/chaos_cortex.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

namespace {

using chaosnet::ChaosCortexOptions;
using chaosnet::TickMode;

nlohmann::json load_fixture(const std::string& mode) {
  const std::string path = std::string(CHAOSNET_TEST_FIXTURES) + "/dynamics/chaos_cortex_" + mode + ".json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + "; run tests/tools/make_chaos_fixtures.py");
  return nlohmann::json::parse(in);
}

/// A cortex on its own tape, with weights as parameter ranges and inputs as variables.
template <int N>
struct CortexHarness {
  chaosnet::Tape<double, N> tape;
  std::vector<chaosnet::Tensor1D<double, N>> inputs;
  std::vector<chaosnet::Tensor0DRange<double, N>> w_in, w_rec;
  chaosnet::ChaosCortexRecord<double, N> cortex;

  CortexHarness(const std::vector<Eigen::Array<double, N, 1>>& x, const std::vector<std::vector<double>>& w_in_values,
                const std::vector<std::vector<double>>& w_rec_values, const ChaosCortexOptions& options,
                bool data = false) {
    for (const auto& column : x) inputs.push_back(data ? tape.input(column) : tape.variable(column));
    for (const auto& w : w_in_values) w_in.push_back(tape.variables(w));
    for (const auto& w : w_rec_values) w_rec.push_back(tape.variables(w));
    cortex = chaosnet::chaos_cortex<double, N>(inputs, w_in, w_rec, options);
  }
  double mean_spike(std::size_t neuron, int sample = 0) const { return cortex.mean_spikes[neuron].value()(sample); }
};

/// One neuron fed a constant input 1 through weight w, noise and failure off.
double one_neuron(double w, std::uint32_t ticks, TickMode mode, double decay = 0.02) {
  ChaosCortexOptions options;
  options.params = {.threshold = 0.5, .noise_std = 0, .fail_prob = 0, .decay = decay, .refractory_decay = 0.9};
  options.mode = mode;
  options.ticks = ticks;
  options.hidden = {1};
  CortexHarness<1> h({Eigen::Array<double, 1, 1>::Constant(1.0)}, {{w}}, {}, options);
  return h.mean_spike(0);
}

template <int N>
Eigen::Array<double, N, 1> batch_of(const nlohmann::json& samples) {
  Eigen::Array<double, N, 1> b;
  for (int k = 0; k < N; ++k) b(k) = samples.at(k).get<double>();
  return b;
}

void check_close(double actual, double expected, const std::string& what) {
  INFO(what << ": " << actual << " vs PyTorch " << expected);
  CHECK(std::abs(actual - expected) <= 1e-10 * std::max(1.0, std::abs(expected)));
}

}  // namespace

TEMPLATE_TEST_CASE_SIG("chaos_cortex: values and surrogate gradients match PyTorch in both tick modes",
                       "[autodiff][dynamics]", ((int N), N), 1, 4, 32) {
  for (const std::string mode : {"sequential", "independent"}) {
    const nlohmann::json fixture = load_fixture(mode);
    ChaosCortexOptions options;
    const auto& p = fixture.at("params");
    options.params = {p.at("threshold"), p.at("noise_std"), p.at("fail_prob"), p.at("decay"), p.at("refractory_decay")};
    options.mode = mode == "sequential" ? TickMode::sequential : TickMode::independent;
    options.ticks = fixture.at("ticks");
    options.seed = fixture.at("seed");
    const std::vector<std::uint32_t> sizes = fixture.at("sizes");
    options.hidden.assign(sizes.begin() + 1, sizes.end());
    for (const auto& c : fixture.at("cases")) {
      if (c.at("n") != N) continue;
      INFO("mode " << mode << ", n = " << N);
      std::vector<Eigen::Array<double, N, 1>> x;
      for (const auto& column : c.at("x")) x.push_back(batch_of<N>(column));
      CortexHarness<N> h(x, c.at("w_in"), c.at("w_rec"), options);
      std::vector<chaosnet::Tensor1D<double, N>> terms;
      for (std::size_t j = 0; j < h.cortex.mean_spikes.size(); ++j) {
        const auto coefficient = h.tape.input(batch_of<N>(c.at("coefficients").at(j)));
        terms.push_back(h.cortex.mean_spikes[j] * coefficient);
        for (int k = 0; k < N; ++k) {
          check_close(h.mean_spike(j, k), c.at("mean_spikes").at(j).at(k), "mean spike " + std::to_string(j));
        }
      }
      auto total = terms[0];
      for (std::size_t j = 1; j < terms.size(); ++j) total = total + terms[j];
      const auto loss = chaosnet::sum(total);
      check_close(loss.value(), c.at("loss"), "loss");
      h.tape.backward(loss);
      for (std::size_t i = 0; i < x.size(); ++i) {
        for (int k = 0; k < N; ++k) check_close(h.inputs[i].grad()(k), c.at("grad_x").at(i).at(k), "dL/dx");
      }
      auto check_weights = [&](const auto& ranges, const nlohmann::json& expected, const char* name) {
        for (std::size_t l = 0; l < ranges.size(); ++l) {
          for (std::size_t i = 0; i < ranges[l].size(); ++i) {
            check_close(ranges[l][i].grad(), expected.at(l).at(i), std::string(name) + " layer " + std::to_string(l));
          }
        }
      };
      check_weights(h.w_in, c.at("grad_w_in"), "dL/dW_in");
      check_weights(h.w_rec, c.at("grad_w_rec"), "dL/dW_rec");
    }
  }
}

TEST_CASE("chaos_cortex: the gradients are not trivial, so matching PyTorch means something", "[autodiff][dynamics]") {
  const nlohmann::json c = load_fixture("sequential").at("cases").at(2);
  double sum_abs = 0;
  for (const auto& layer : c.at("grad_w_in")) {
    for (const auto& g : layer) sum_abs += std::abs(g.get<double>());
  }
  CHECK(sum_abs > 1e-2);
  double spikes = 0;
  for (const auto& neuron : c.at("mean_spikes")) {
    for (const auto& s : neuron) spikes += s.get<double>();
  }
  CHECK(spikes > 0);
}

TEST_CASE("chaos_cortex: steps 1-3, a membrane above the threshold spikes, one below does not", "[autodiff][dynamics]") {
  CHECK(one_neuron(0.6, 1, TickMode::sequential) == 1.0);
  CHECK(one_neuron(0.4, 1, TickMode::sequential) == 0.0);
  CHECK(one_neuron(0.5, 1, TickMode::sequential) == 0.0);  // H(m − θ) is strict: m = θ does not spike
}

TEST_CASE("chaos_cortex: steps 2 and 5, refractoriness silences a neuron after a spike", "[autodiff][dynamics]") {
  // w = 0.6, sequential: t1 a = 0.6 → spike, r = 1, m = 0.588; t2 a = 1.188, m₁ = a·(1 − 1) = 0,
  // r = 0.9; t3 a = 0.6, m₁ = 0.06, r = 0.81; t4 a = 0.0588 + 0.6, m₁ = 0.6588·0.19 = 0.125.
  CHECK(one_neuron(0.6, 2, TickMode::sequential) == Approx(1.0 / 2));
  CHECK(one_neuron(0.6, 3, TickMode::sequential) == Approx(1.0 / 3));
  CHECK(one_neuron(0.6, 4, TickMode::sequential) == Approx(1.0 / 4));
  // Independent ticks start from zero state: no refractoriness, a spike every tick.
  CHECK(one_neuron(0.6, 4, TickMode::independent) == 1.0);
}

TEST_CASE("chaos_cortex: step 6, the membrane leaks by λ per tick", "[autodiff][dynamics]") {
  // w = 0.26: t1 a = 0.26, no spike; t2 a = 0.26·(1 − λ) + 0.26: 0.5148 > θ at λ = 0.02,
  // 0.494 < θ at λ = 0.1. Independent ticks never integrate, so never spike.
  CHECK(one_neuron(0.26, 2, TickMode::sequential, 0.02) == Approx(0.5));
  CHECK(one_neuron(0.26, 2, TickMode::sequential, 0.1) == 0.0);
  CHECK(one_neuron(0.26, 2, TickMode::independent, 0.02) == 0.0);
}

TEST_CASE("chaos_cortex: step 7, the next layer's input is W_rec times the spikes", "[autodiff][dynamics]") {
  ChaosCortexOptions options;
  options.params = {.threshold = 0.5, .noise_std = 0, .fail_prob = 0, .decay = 0.02, .refractory_decay = 0.9};
  options.mode = TickMode::independent;
  options.ticks = 1;
  options.hidden = {1, 1};
  // Layer 1 spikes (0.6 > θ); layer 2 sees W_rec·1 through W_in = 1.
  CortexHarness<1> fires({Eigen::Array<double, 1, 1>::Constant(1.0)}, {{0.6}, {1.0}}, {{0.7}}, options);
  CHECK(fires.mean_spike(0) == 1.0);
  CortexHarness<1> silent({Eigen::Array<double, 1, 1>::Constant(1.0)}, {{0.6}, {1.0}}, {{0.4}}, options);
  CHECK(silent.mean_spike(0) == 0.0);
}

TEST_CASE("chaos_cortex: step 4, a failed neuron neither spikes nor passes gradient", "[autodiff][dynamics]") {
  ChaosCortexOptions options;
  options.params = {.threshold = 0.5, .noise_std = 0, .fail_prob = 0, .decay = 0.02, .refractory_decay = 0.9};
  options.hidden = {3};
  options.ticks = 2;
  const std::vector<Eigen::Array<double, 4, 1>> x = {Eigen::Array<double, 4, 1>::Constant(1.0)};
  auto gradient_sum = [&](double fail_prob) {
    options.params.fail_prob = fail_prob;
    CortexHarness<4> h(x, {{0.55, 0.45, 0.9}}, {}, options);
    double spikes = 0;
    for (std::size_t j = 0; j < 3; ++j) spikes += h.cortex.mean_spikes[j].value().sum();
    h.tape.backward(chaosnet::sum(h.cortex.mean_spikes[0] + h.cortex.mean_spikes[1] + h.cortex.mean_spikes[2]));
    double g = 0;
    for (std::size_t i = 0; i < 3; ++i) g += std::abs(h.w_in[0][i].grad());
    return std::pair{spikes, g};
  };
  const auto [alive_spikes, alive_gradient] = gradient_sum(0.0);
  CHECK(alive_spikes == 2 * 4);  // 0.55 and 0.9 spike in every sample; 0.45 does not
  CHECK(alive_gradient > 0);     // …but 0.45 is within the surrogate's width, as are the others
  const auto [dead_spikes, dead_gradient] = gradient_sum(1.0);
  CHECK(dead_spikes == 0);
  CHECK(dead_gradient == 0);
}

TEST_CASE("chaos_cortex: each replay draws fresh noise; restarting the stream repeats it", "[autodiff][dynamics]") {
  ChaosCortexOptions options;
  options.params = {.threshold = 0.5, .noise_std = 0.2, .fail_prob = 0.3, .decay = 0.02, .refractory_decay = 0.9};
  options.hidden = {8};
  options.seed = 11;
  std::vector<Eigen::Array<double, 32, 1>> x(3, Eigen::Array<double, 32, 1>::Constant(1.0));
  CortexHarness<32> h(x, {std::vector<double>(24, 0.18)}, {}, options, true);
  auto snapshot = [&] {
    std::vector<double> v;
    for (std::size_t j = 0; j < 8; ++j) v.insert(v.end(), h.cortex.mean_spikes[j].value().begin(), h.cortex.mean_spikes[j].value().end());
    return v;
  };
  const auto first = snapshot();
  h.tape.forward();
  const auto second = snapshot();
  CHECK(first != second);
  chaosnet::set_chaos_stream(h.tape, h.cortex, 11, 0);
  h.tape.forward();
  CHECK(snapshot() == first);
  chaosnet::set_chaos_stream(h.tape, h.cortex, 12, 0);
  h.tape.forward();
  CHECK(snapshot() != first);
}

TEST_CASE("chaos_cortex: rejects shapes and parameters that do not fit, naming them", "[autodiff][dynamics]") {
  ChaosCortexOptions options;
  options.hidden = {2};
  const std::vector<Eigen::Array<double, 1, 1>> x(3, Eigen::Array<double, 1, 1>::Constant(1.0));
  CHECK_THROWS_WITH(CortexHarness<1>(x, {{0.1, 0.2}}, {}, options), Catch::Contains("W_in of layer 0 needs 2 x 3"));
  options.params.fail_prob = 1.5;
  CHECK_THROWS_WITH(CortexHarness<1>(x, {std::vector<double>(6, 0.1)}, {}, options), Catch::Contains("fail_prob"));
  options.params.fail_prob = 0.1;
  options.params.noise_std = std::nan("");
  CHECK_THROWS_WITH(CortexHarness<1>(x, {std::vector<double>(6, 0.1)}, {}, options), Catch::Contains("noise_std"));
}
