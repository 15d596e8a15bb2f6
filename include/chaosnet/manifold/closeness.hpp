#pragma once

// Seed 003's closeness function: seven raw parameters per target row (α, β, γ, θ, φ, μ, σ)
// give every cell of the row a signed closeness d from its position x, a Gaussian envelope
// times a periodic term; a global trainable cutoff c thresholds and rescales it into the
// connection weight d̂. Each map comes with its derivative, which backward needs.

#include <chaosnet/manifold/manifold_layout.hpp>

#include <cmath>
#include <numbers>

namespace chaosnet {

/// The seven raw parameters of one target row.
struct ClosenessRaw {
  double alpha = 0, beta = 0, gamma = 0, theta = 0, phi = 0, mu = 0, sigma = 0;
};

namespace detail {

inline double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
/// softplus(x) = ln(1 + eˣ) without overflow; its derivative is logistic(x).
inline double softplus(double x) { return x > 30 ? x : std::log1p(std::exp(x)); }

/// A row's parameters after their range maps (seed 003, verbatim): α' = 2σ(α) − 1 ∈ (−1, 1),
/// β' = β + 1, γ' = σ(γ), θ' = softplus(θ)/ln 2 (1 at θ = 0), φ' = φ, μ' = μ, σ' = softplus(σ);
/// and the derivatives of the maps that are not the identity.
struct ClosenessRow {
  double alpha, beta, gamma, theta, phi, mu, sigma;
  double d_alpha, d_gamma, d_theta, d_sigma;  ///< dα'/dα, dγ'/dγ, dθ'/dθ, dσ'/dσ

  explicit ClosenessRow(const ClosenessRaw& r)
      : alpha(2 * logistic(r.alpha) - 1), beta(r.beta + 1), gamma(logistic(r.gamma)),
        theta(softplus(r.theta) / std::numbers::ln2), phi(r.phi), mu(r.mu), sigma(softplus(r.sigma)),
        d_alpha(2 * logistic(r.alpha) * (1 - logistic(r.alpha))),
        d_gamma(logistic(r.gamma) * (1 - logistic(r.gamma))),
        d_theta(logistic(r.theta) / std::numbers::ln2), d_sigma(logistic(r.sigma)) {}
};

/// One cell's raw closeness d = α'·G·(S − γ') at position x, with G = exp(−(x − μ')²/(2σ'²)),
/// u = 2πx/(P·θ') + φ', q = 0.501 + 0.5·sin u (> 0.001) and S = q^β'; and, when `grad` is
/// given, adds g·∂d/∂(each raw parameter) to it (seed-systems §3.2b):
///   ∂d/∂α = dα'·G(S − γ')            ∂d/∂β = α'G·S·ln q          ∂d/∂γ = −α'G·dγ'
///   ∂d/∂φ = α'G·β'q^(β'−1)·½cos u    ∂d/∂θ = ∂d/∂φ·(−2πx/(Pθ'²))·dθ'
///   ∂d/∂μ = d·(x − μ')/σ'²           ∂d/∂σ = d·(x − μ')²/σ'³·dσ'
inline double closeness(const ClosenessRow& row, double x, double period, double g = 0,
                        ClosenessRaw* grad = nullptr) {
  const double offset = x - row.mu;
  const double envelope = std::exp(-offset * offset / (2 * row.sigma * row.sigma));
  const double u = 2 * std::numbers::pi * x / (period * row.theta) + row.phi;
  const double q = 0.501 + 0.5 * std::sin(u);
  const double s = std::pow(q, row.beta);
  const double d = row.alpha * envelope * (s - row.gamma);
  if (grad != nullptr && g != 0) {
    const double ag = row.alpha * envelope;
    const double d_phi = ag * row.beta * std::pow(q, row.beta - 1) * 0.5 * std::cos(u);
    grad->alpha += g * row.d_alpha * envelope * (s - row.gamma);
    grad->beta += g * ag * s * std::log(q);
    grad->gamma -= g * ag * row.d_gamma;
    grad->phi += g * d_phi;
    grad->theta += g * d_phi * (-2 * std::numbers::pi * x / (period * row.theta * row.theta)) * row.d_theta;
    grad->mu += g * d * offset / (row.sigma * row.sigma);
    grad->sigma += g * d * offset * offset / (row.sigma * row.sigma * row.sigma) * row.d_sigma;
  }
  return d;
}

/// The cutoff map: d̂ = sign(d)·(|d| − c)/(1 − c) where |d| > c, else 0, with c = σ(c_raw).
/// Its derivatives where |d| > c: ∂d̂/∂d = 1/(1 − c), ∂d̂/∂c = sign(d)·(|d| − 1)/(1 − c)²; 0 elsewhere.
struct Cutoff {
  double c;
  explicit Cutoff(double raw) : c(logistic(raw)) {}
  [[nodiscard]] bool passes(double d) const { return std::abs(d) > c; }
  [[nodiscard]] double apply(double d) const {
    return passes(d) ? std::copysign((std::abs(d) - c) / (1 - c), d) : 0.0;
  }
  [[nodiscard]] double by_d(double d) const { return passes(d) ? 1 / (1 - c) : 0.0; }
  [[nodiscard]] double by_c(double d) const {
    // Not copysign: |d| − 1 is negative for |d| < 1, and its sign must survive.
    return passes(d) ? (d > 0 ? 1.0 : -1.0) * (std::abs(d) - 1) / ((1 - c) * (1 - c)) : 0.0;
  }
  [[nodiscard]] double dc_draw() const { return c * (1 - c); }  ///< dc/dc_raw
};

}  // namespace detail
}  // namespace chaosnet
