#!/usr/bin/env python3
"""Write the PyTorch golden fixtures for chaosnet's chaos_cortex op (seed 002's spiking layers).

Run by hand after changing the op or this script (CI has no torch and reads the committed files):

    /usr/bin/python3 tests/tools/make_chaos_fixtures.py

The model is the seed's ChaosLayer tick written out in PyTorch, with its spike function as an
autograd.Function whose backward is the seed's triangular surrogate, so autograd differentiates
everything else (membrane, refractory clamp, BPTT) as PyTorch does for the seed. The noise and
failure draws are chaosnet's counter-based stream (util/counter_noise.hpp), reimplemented here,
so both sides see the same masks. Everything is float64 from fixed seeds: two runs write
identical bytes. tests/autodiff/chaos_cortex_torch_test.cpp reads the files.

One file per tick mode, tests/fixtures/dynamics/chaos_cortex_<mode>.json:

    {"format": "chaosnet-chaos-fixture/1", "mode": "sequential" | "independent",
     "params": {threshold, noise_std, fail_prob, decay, refractory_decay},
     "ticks": T, "sizes": [inputs, hidden_1, hidden_2], "seed": s,
     "cases": [{"n": n,
                "x": [[n numbers] per input],                       inputs, with gradients
                "w_in": [[row-major weights] per layer], "w_rec": [[...] per layer but the last],
                "coefficients": [[n numbers] per output neuron],
                "mean_spikes": [[n numbers] per output neuron],      forward values
                "loss": sum of coefficient * mean_spikes,
                "grad_x": like x, "grad_w_in": like w_in, "grad_w_rec": like w_rec}]}
"""

import json
import math
import pathlib

import torch

MASK = (1 << 64) - 1


def mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def noise_word(seed, draw, unit, sample):
    return mix64(mix64(mix64(mix64(seed) ^ draw) ^ unit) ^ ((sample * 0xD1B54A32D192ED03) & MASK))


def keep_mask(n, hidden, fail_prob, seed, draw, offset):
    keep = torch.ones(n, hidden, dtype=torch.float64)
    for j in range(hidden):
        for k in range(n):
            if (noise_word(seed, draw, offset + j, k) >> 40) * 2.0**-24 < fail_prob:
                keep[k, j] = 0.0
    return keep


def gaussian(n, hidden, std, seed, draw, offset):
    eps = torch.zeros(n, hidden, dtype=torch.float64)
    for j in range(hidden):
        for k in range(n):
            word = mix64(noise_word(seed, draw, offset + j, k))
            u1 = ((word >> 32) + 1.0) * 2.0**-32
            u2 = (word & 0xFFFFFFFF) * 2.0**-32
            eps[k, j] = std * (math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2))
    return eps


class SpikeFn(torch.autograd.Function):
    """The seed's SpikeFn: Heaviside forward, max(0, 1 - |m - theta|) backward."""

    @staticmethod
    def forward(ctx, m, threshold):
        ctx.save_for_backward(m)
        ctx.threshold = threshold
        return (m - threshold > 0).to(m.dtype)

    @staticmethod
    def backward(ctx, grad):
        (m,) = ctx.saved_tensors
        return grad * torch.clamp(1.0 - (m - ctx.threshold).abs(), min=0.0), None


def cortex(x, w_in, w_rec, p, ticks, mode, seed):
    """The seed's ChaosCortex over `ticks` ticks; returns the last layer's mean spikes."""
    n = x.shape[0]
    layer_input = [x] * ticks
    offset = 0
    for l, w in enumerate(w_in):
        hidden = w.shape[0]
        m = torch.zeros(n, hidden, dtype=torch.float64)
        r = torch.zeros(n, hidden, dtype=torch.float64)
        spikes = []
        for t in range(ticks):
            if mode == "independent":
                m = torch.zeros(n, hidden, dtype=torch.float64)
                r = torch.zeros(n, hidden, dtype=torch.float64)
            m = m + layer_input[t] @ w.T + gaussian(n, hidden, p["noise_std"], seed, t, offset)  # 1
            m = m * (1 - r)                                                                     # 2
            s = SpikeFn.apply(m, p["threshold"])                                                # 3
            s = s * keep_mask(n, hidden, p["fail_prob"], seed, t, offset)                       # 4
            r = torch.clamp(r * p["refractory_decay"] + s, 0, 1)                                # 5
            m = m * (1 - p["decay"])                                                            # 6
            spikes.append(s)
        if l + 1 < len(w_in):
            layer_input = [s @ w_rec[l].T for s in spikes]                                     # 7
        offset += hidden
    return sum(spikes) / ticks


def main():
    params = {"threshold": 0.5, "noise_std": 0.05, "fail_prob": 0.3, "decay": 0.02,
              "refractory_decay": 0.9}
    sizes, ticks, seed = [6, 5, 4], 4, 7
    root = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "dynamics"
    for mode_index, mode in enumerate(["sequential", "independent"]):
        torch.manual_seed(1234 + mode_index)
        cases = []
        for n in (1, 4, 32):
            x = torch.rand(n, sizes[0], dtype=torch.float64, requires_grad=True)
            # Weights large enough that membranes cross the threshold and often land within the
            # surrogate's width, so every gradient path is exercised.
            w_in = [(torch.rand(sizes[l + 1], sizes[l], dtype=torch.float64) * 0.8 - 0.15).requires_grad_()
                    for l in range(len(sizes) - 1)]
            w_rec = [(torch.rand(sizes[l + 1], sizes[l + 1], dtype=torch.float64) * 0.8 - 0.2).requires_grad_()
                     for l in range(len(sizes) - 2)]
            mean_spikes = cortex(x, w_in, w_rec, params, ticks, mode, seed)
            coefficients = torch.randn(n, sizes[-1], dtype=torch.float64)
            loss = (coefficients * mean_spikes).sum()
            loss.backward()
            columns = lambda t: t.detach().T.tolist()  # one list of n samples per unit
            flat = lambda ws: [w.detach().reshape(-1).tolist() for w in ws]
            cases.append({"n": n, "x": columns(x), "w_in": flat(w_in), "w_rec": flat(w_rec),
                          "coefficients": columns(coefficients), "mean_spikes": columns(mean_spikes),
                          "loss": loss.item(), "grad_x": columns(x.grad),
                          "grad_w_in": flat([w.grad for w in w_in]),
                          "grad_w_rec": flat([w.grad for w in w_rec])})
        fixture = {"format": "chaosnet-chaos-fixture/1", "mode": mode, "params": params,
                   "ticks": ticks, "sizes": sizes, "seed": seed,
                   "generator": f"tests/tools/make_chaos_fixtures.py, torch {torch.__version__}, float64",
                   "cases": cases}
        (root / f"chaos_cortex_{mode}.json").write_text(json.dumps(fixture, indent=1) + "\n")


if __name__ == "__main__":
    main()
