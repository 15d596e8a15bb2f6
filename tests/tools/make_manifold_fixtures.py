#!/usr/bin/env python3
"""Write the PyTorch golden fixture for chaosnet's Dynamic Neural Manifold (seed 003).

Run by hand after changing the model or this script (CI has no torch and reads the committed file):

    /usr/bin/python3 tests/tools/make_manifold_fixtures.py

The model is seed 003's notebook written out in PyTorch (float64), in index order as the seed's
TensorFlow graph runs it: per-neuron concatenation instead of our blocked products, so the two
sides share no code. Autograd differentiates everything, as TensorFlow did for the seed. The
sparsity count is detached (the seed's term has no gradient). Parameters, inputs and targets
come from a fixed torch seed: two runs write identical bytes.
tests/manifold/manifold_model_test.cpp reads tests/fixtures/manifold/manifold_toy.json:

    {"format": "chaosnet-manifold-fixture/1",
     "layout": {"inputs", "comps", "outputs", "period"},
     "loss": {"objective_coefficient", "flow_coefficient", "sparsity_coefficient", "l1_coefficient"},
     "values": [parameters in chaosnet's order: alpha, beta, gamma, theta, phi, mu, sigma (one
                per target row each), w, b (one per source each), c_raw],
     "x": [[inputs] per sample], "labels": [...], "targets": [[outputs] per sample],
     "cases": [{"objective": "cross_entropy" | "mse", "squared": bool,
                "prediction": [[outputs] per sample], "total": loss, "objective_value": ...,
                "flow": ..., "nonzero": n, "grad": [like values]}]}
"""

import json
import math
import pathlib

import torch

torch.manual_seed(20261203)
torch.set_default_dtype(torch.float64)

I, C, O, P = 5, 16, 4, 5.0
N = I + C + O
T, S = C + O, I + C
B = 6
LOSS = {"objective_coefficient": 2.0, "flow_coefficient": 0.01, "sparsity_coefficient": 0.1, "l1_coefficient": 0.5}


def row_length(t):
    return I + t if t < C else S


def usable_cells():
    return sum(row_length(t) for t in range(T))


def displacement(t):
    return I + t * (O - I) / (T - 1)


def softplus(v):
    return torch.log1p(torch.exp(v))


def model_loss(values, x, labels, targets, objective, squared):
    alpha, beta, gamma, theta, phi, mu, sigma = (values[g * T:(g + 1) * T] for g in range(7))
    w = values[7 * T:7 * T + S]
    b = values[7 * T + S:7 * T + 2 * S]
    c = torch.sigmoid(values[7 * T + 2 * S])
    a_, b_, g_ = 2 * torch.sigmoid(alpha) - 1, beta + 1, torch.sigmoid(gamma)
    th_, s_ = softplus(theta) / math.log(2), softplus(sigma)
    rows = []
    for t in range(T):
        cells = []
        for k in range(S):
            if k >= row_length(t):
                cells.append(torch.zeros(()))
                continue
            pos = k - (I + t) + displacement(t)
            envelope = torch.exp(-(pos - mu[t]) ** 2 / (2 * s_[t] ** 2))
            q = 0.501 + 0.5 * torch.sin(2 * math.pi * pos / (P * th_[t]) + phi[t])
            d = a_[t] * envelope * (q ** b_[t] - g_[t])
            cells.append(torch.where(d.abs() > c, torch.sign(d) * (d.abs() - c) / (1 - c), torch.zeros(())))
        rows.append(torch.stack(cells))
    weight = torch.stack(rows)
    # Index order, as the seed's graph: every neuron from the concatenation of those before it.
    y = [x[:, k] for k in range(I)]
    pre = [w[k] * y[k] + b[k] for k in range(I)]
    act = [torch.nn.functional.leaky_relu(p, 0.2) for p in pre]
    for j in range(I, S):
        y.append(sum(weight[j - I, k] * act[k] for k in range(j)))
        pre.append(w[j] * y[j] + b[j])
        act.append(torch.nn.functional.leaky_relu(pre[j], 0.2))
    z = torch.stack([sum(weight[C + o, k] * pre[k] for k in range(S)) for o in range(O)], dim=1)
    prediction = z * z if squared else z
    if objective == "cross_entropy":
        objective_value = torch.nn.functional.cross_entropy(prediction, labels)
    else:
        objective_value = ((prediction - targets) ** 2).mean()
    a_sum = weight[:C, :I].abs().sum()
    b_sum = weight[C:, I:S].abs().sum()
    flow = (a_sum - b_sum) ** 2
    nonzero = int((weight != 0).sum())
    pct = torch.tensor(nonzero / usable_cells())  # a count: no gradient, as in the seed
    l1 = weight.abs().sum() / usable_cells()
    total = (LOSS["objective_coefficient"] * objective_value + LOSS["flow_coefficient"] * flow
             + LOSS["sparsity_coefficient"] * pct ** 2 + LOSS["l1_coefficient"] * l1)
    return total, objective_value, flow, nonzero, prediction


def main():
    values = torch.cat([
        torch.randn(T) * 0.5 + 1.5,       # alpha: most |alpha'| well above the cutoff
        torch.randn(T) * 0.1,             # beta
        torch.randn(T) * 0.5,             # gamma
        torch.randn(T) * 0.5,             # theta
        torch.randn(T) * 0.3 + math.pi / 2,  # phi
        torch.randn(T) * 2,               # mu
        torch.randn(T) * 0.5 + 3,         # sigma: envelopes a few cells wide
        torch.randn(S),                   # w
        torch.randn(S) * 0.5,             # b
        torch.tensor([-2.0]),             # c_raw
    ])
    x = torch.randn(B, I)
    labels = torch.randint(0, O, (B,))
    targets = torch.randn(B, O)
    cases = []
    for objective in ("cross_entropy", "mse"):
        for squared in (False, True):
            v = values.clone().requires_grad_(True)
            total, objective_value, flow, nonzero, prediction = model_loss(v, x, labels, targets, objective, squared)
            total.backward()
            cases.append({"objective": objective, "squared": squared, "prediction": prediction.tolist(),
                          "total": total.item(), "objective_value": objective_value.item(), "flow": flow.item(),
                          "nonzero": nonzero, "grad": v.grad.tolist()})
    doc = {"format": "chaosnet-manifold-fixture/1",
           "layout": {"inputs": I, "comps": C, "outputs": O, "period": P}, "loss": LOSS,
           "values": values.tolist(), "x": x.tolist(), "labels": labels.tolist(), "targets": targets.tolist(),
           "cases": cases}
    out = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "manifold" / "manifold_toy.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
