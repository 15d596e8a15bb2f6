#pragma once

// Element-wise activations. Each function object keeps value() and derivative() together; the
// derivative receives both the input x and the output y so it can reuse whichever is cheaper.

#include <chaosnet/autodiff/op_record.hpp>

namespace chaosnet::detail {

/// mish(x) = x·tanh(softplus(x)). With e = eˣ and n = e(e + 2), tanh(ln(1 + e)) = n / (n + 2):
/// one exp and one division instead of exp, log1p and tanh. Above x = 20, tanh(softplus(x)) is 1
/// to double precision, so x is clamped there before exp and nothing overflows.
/// mish'(x) = t + x·σ(x)·(1 − t²) with t = tanh(softplus(x)) and σ(x) = e/(1 + e); finite for
/// every finite x (→ 1 for x → +∞, → 0 for x → −∞). The seed's closed form eˣω/δ² overflows in
/// float from x ≈ 22. value_and_slope() gets both from one exp and one division, using the
/// common denominator (n + 2)(1 + e) ≤ 1.2e26 (no overflow in float).
struct MishFn {
  template <class A>
  static A exp_clamped(const A& x) {
    return x.min(typename A::Scalar(20)).exp();
  }
  template <class A>
  static A value(const A& x) {
    const A e = exp_clamped(x);
    const A n = e * (e + typename A::Scalar(2));
    return x * n / (n + typename A::Scalar(2));
  }
  template <class A>
  static void value_and_slope(const A& x, A& value, A& slope) {
    using S = typename A::Scalar;
    const A e = exp_clamped(x);
    const A n = e * (e + S(2));
    const A one_plus_e = S(1) + e;
    const A n_plus_2 = n + S(2);
    const A r = (n_plus_2 * one_plus_e).inverse();
    const A t = n * one_plus_e * r;
    const A sigma = e * n_plus_2 * r;
    value = x * t;
    slope = t + x * sigma * (S(1) - t.square());
  }
  template <class A>
  static A derivative(const A& x, const A& /*y*/) {
    A value, slope;
    value_and_slope(x, value, slope);
    return slope;
  }
};

/// relu(x) = max(x, 0); relu'(x) = 1 for x > 0, and 0 for x ≤ 0 (0 at the kink, as PyTorch).
struct ReluFn {
  template <class A>
  static A value(const A& x) {
    return x.max(typename A::Scalar(0));
  }
  template <class A>
  static A derivative(const A& x, const A& /*y*/) {
    return (x > typename A::Scalar(0)).template cast<typename A::Scalar>();
  }
};

/// tanh(x); tanh'(x) = 1 − tanh²(x), computed from the output.
struct TanhFn {
  template <class A>
  static A value(const A& x) {
    return x.tanh();
  }
  template <class A>
  static A derivative(const A& /*x*/, const A& y) {
    return typename A::Scalar(1) - y.square();
  }
};

/// σ(x) = 1 / (1 + e⁻ˣ); σ'(x) = σ(x)·(1 − σ(x)), computed from the output. Saturates to 0 or 1
/// without overflow.
struct SigmoidFn {
  template <class A>
  static A value(const A& x) {
    return x.logistic();
  }
  template <class A>
  static A derivative(const A& /*x*/, const A& y) {
    return y * (typename A::Scalar(1) - y);
  }
};

/// exp(x); exp'(x) = exp(x), computed from the output. Overflows to +inf for large x, as expected.
struct ExpFn {
  template <class A>
  static A value(const A& x) {
    return x.exp();
  }
  template <class A>
  static A derivative(const A& /*x*/, const A& y) {
    return y;
  }
};

/// log(x); log'(x) = 1/x. Defined for x > 0; log(0) = −inf and log'(0) = +inf, negative x gives NaN.
struct LogFn {
  template <class A>
  static A value(const A& x) {
    return x.log();
  }
  template <class A>
  static A derivative(const A& x, const A& /*y*/) {
    return x.inverse();
  }
};

/// out = f(x) element-wise; x receives g ⊙ f'(x). Record: a = x.
template <class Fn, OpCode Code>
struct Pointwise {
  static constexpr OpCode code = Code;
  static constexpr OutputKind output = OutputKind::batch;
  template <class C>
  static void forward(C& c, const OpRecord& r) {
    c.batch_values[r.out] = Fn::value(c.batch_values[r.a]);
  }
  template <class C>
  static void backward(C& c, const OpRecord& r) {
    c.batch_grads[r.a] +=
        c.batch_grads[r.out] * Fn::derivative(c.batch_values[r.a], c.batch_values[r.out]);
  }
};

using Mish = Pointwise<MishFn, OpCode::mish>;
using Relu = Pointwise<ReluFn, OpCode::relu>;
using Tanh = Pointwise<TanhFn, OpCode::tanh>;
using Sigmoid = Pointwise<SigmoidFn, OpCode::sigmoid>;
using Exp = Pointwise<ExpFn, OpCode::exp>;
using Log = Pointwise<LogFn, OpCode::log>;

}  // namespace chaosnet::detail
