#!/usr/bin/env python3
"""Write the PyTorch golden fixtures for chaosnet's autodiff tests.

Run by hand after changing an op's definition or this script (CI has no torch and reads the
committed files):

    /usr/bin/python3 tests/tools/make_torch_fixtures.py

Every value is computed in float64 from fixed seeds, so two runs write identical bytes.
tests/autodiff/torch_fixtures_test.cpp rebuilds each graph with chaosnet ops and compares.

JSON schema (one file per fixture in tests/fixtures/autodiff/<fixture>.json)
----------------------------------------------------------------------------
    {
      "format": "chaosnet-torch-fixture/1",
      "fixture": "<name>",            same as the file name
      "about": "<the graph and its loss in words>",
      "generator": "<this script, torch version, dtype>",
      "graph": {...},                 only in graph30.json, see below
      "cases": [case, ...]
    }

A case is one batch of n samples (n = 1, 4 or 32; a fixture may have several cases per n):

    {
      "label": "random" | "edge",     "edge" cases hold the extreme points named in "about"
      "n": 4,
      "inputs": {name: value},        every input is a differentiable leaf
      "constants": {name: value},     data without a gradient, only in distillation.json
      "targets": [int] * n,           class labels, only for the NLL fixtures, graph30 and
                                      distillation
      "outputs": {name: value},       forward values, intermediate ones included
      "coefficients": {name: value},  keyed by output name, same shape as that output
      "loss": float,
      "grads": {name: value}          d loss / d input, for every input
    }

A value's shape follows from its JSON type and the test that reads it:
  - a number: a scalar (chaosnet Tensor0D; a weight, a bias or a batch reduction);
  - a list of n numbers: a batch (Tensor1D), element k = sample k;
  - a list of lists of n numbers: several batches (class logits, split copies, sources);
  - a list of numbers that are not samples: several scalars (weighted_sum's weights,
    graph30's biases and edge weights), said so by the reading test.
A scalar's gradient is the sum over the batch, as PyTorch reports it.

The loss is sum over outputs o in "coefficients" of sum_k c_o[k] * o[k] (over every batch of
o for multi-batch outputs); random coefficients make every gradient non-trivial. A case with
no coefficients has exactly one scalar output, and the loss is that output.

graph30.json also has the network, shared by its cases, in chaosnet's node order
[inputs | normals | leaves]:

    "graph": {
      "input_count": 8, "normal_count": 12, "leaf_count": 10,
      "biases": [float] * normal_count,        bias of normal node input_count + i
      "edges": [{"from": i, "to": j, "weight": w}, ...]   from < j, sorted by (to, from)
    }

Normal node j = mish(bias_j + sum of weight * node[from] over its edges); leaf j = sum of
weight * node[from] (no bias); the loss is the batch mean of the NLL of log-softmax over the
leaves. Its cases have inputs {"inputs": (input_count x n)}, targets, outputs {"logits",
"loss"} and grads {"inputs", "biases", "weights"}, the last aligned with "edges".

distillation.json's cases have constants {"teacher_probs": (10 x n), "alpha": float,
"temperature": float}: the teacher's class probabilities per sample (softmax of teacher logits
over T) and the loss's mixing weight and temperature.
"""

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

FORMAT = "chaosnet-torch-fixture/1"
BATCH_SIZES = (1, 4, 32)
CLASSES = 10
OUT_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "autodiff"
DTYPE = torch.float64


def mish(x):
    # Autograd through softplus and tanh, independent of any hand-written mish derivative;
    # softplus switches to x above 20, so this stays finite at +-1000.
    return x * torch.tanh(F.softplus(x))


def randn(gen, *shape, scale=1.0):
    return torch.randn(shape, generator=gen, dtype=DTYPE) * scale


def uniform(gen, lo, hi, *shape):
    return lo + (hi - lo) * torch.rand(shape, generator=gen, dtype=DTYPE)


def to_json(t):
    return t.detach().tolist()


def run_case(gen, label, n, inputs, forward, weighted_outputs, targets=None, constants=None):
    """Evaluate forward(leaves, targets) -> {name: tensor}, back-propagate the fixture loss.
    `constants` (tensors or numbers) are only recorded; forward reads them itself."""
    leaves = {name: value.clone().requires_grad_(True) for name, value in inputs.items()}
    outputs = forward(leaves, targets)
    coefficients = {name: randn(gen, *outputs[name].shape) for name in weighted_outputs}
    if coefficients:
        loss = sum((c * outputs[name]).sum() for name, c in coefficients.items())
    else:
        (loss,) = [o for o in outputs.values() if o.dim() == 0]
    loss.backward()
    case = {"label": label, "n": n, "inputs": {k: to_json(v) for k, v in inputs.items()}}
    if constants is not None:
        case["constants"] = {k: to_json(v) if torch.is_tensor(v) else v
                             for k, v in constants.items()}
    if targets is not None:
        case["targets"] = targets.tolist()
    case["outputs"] = {k: to_json(v) for k, v in outputs.items()}
    case["coefficients"] = {k: to_json(v) for k, v in coefficients.items()}
    case["loss"] = loss.item()
    case["grads"] = {k: to_json(v.grad) for k, v in leaves.items()}
    return case


def fixture(name, about, cases, graph=None):
    doc = {
        "format": FORMAT,
        "fixture": name,
        "about": about,
        "generator": f"tests/tools/make_torch_fixtures.py, torch {torch.__version__}, float64",
    }
    if graph is not None:
        doc["graph"] = graph
    doc["cases"] = cases
    return doc


def seeded(name):
    # One generator per fixture, seeded from its name, so fixtures do not depend on each other.
    return torch.Generator().manual_seed(sum(ord(ch) * 31**i for i, ch in enumerate(name)) % 2**31)


# --- element-wise and binary ops ------------------------------------------------------------------


def binary_fixture(name, about, make_inputs, forward):
    gen = seeded(name)
    cases = [run_case(gen, "random", n, make_inputs(gen, n), forward, ["z"]) for n in BATCH_SIZES]
    return fixture(name, about + "; loss = sum_k c_k z_k", cases)


def pointwise_fixture(name, fn, make_x, edges=()):
    """y = fn(x). Edge points fill an n = 4 case and are mixed into an extra n = 32 case."""
    gen = seeded(name)

    def forward(leaves, _):
        return {"y": fn(leaves["x"])}

    cases = [run_case(gen, "random", n, {"x": make_x(gen, n)}, forward, ["y"]) for n in BATCH_SIZES]
    about = f"y = {name}(x); loss = sum_k c_k y_k"
    if edges:
        edge = torch.tensor(edges, dtype=DTYPE)
        cases.append(run_case(gen, "edge", len(edges), {"x": edge}, forward, ["y"]))
        mixed = make_x(gen, 32)
        mixed[torch.randperm(32, generator=gen)[: len(edges)]] = edge
        cases.append(run_case(gen, "edge", 32, {"x": mixed}, forward, ["y"]))
        about += f"; edge cases at x = {', '.join(repr(e) for e in edges)}"
    return fixture(name, about, cases)


def scalar_batch(gen, n):
    return {"x": randn(gen, n), "s": randn(gen)}


def batch_batch(gen, n):
    return {"x": randn(gen, n), "y": randn(gen, n)}


def op_fixtures():
    yield binary_fixture("add_batch_batch", "z = x + y (1D, 1D)", batch_batch,
                         lambda v, _: {"z": v["x"] + v["y"]})
    yield binary_fixture("add_batch_scalar", "z = x + s (1D, 0D)", scalar_batch,
                         lambda v, _: {"z": v["x"] + v["s"]})
    yield binary_fixture("sub_batch_batch", "z = x - y (1D, 1D)", batch_batch,
                         lambda v, _: {"z": v["x"] - v["y"]})
    yield binary_fixture("sub_batch_scalar", "z = x - s (1D, 0D)", scalar_batch,
                         lambda v, _: {"z": v["x"] - v["s"]})
    yield binary_fixture("mul_scalar_batch", "z = s * x (0D, 1D)", scalar_batch,
                         lambda v, _: {"z": v["s"] * v["x"]})
    yield binary_fixture("mul_batch_batch", "z = x * y (1D, 1D)", batch_batch,
                         lambda v, _: {"z": v["x"] * v["y"]})

    yield pointwise_fixture("mish", mish, lambda g, n: randn(g, n, scale=3.0),
                            edges=(-1000.0, -20.0, 20.0, 1000.0))
    yield pointwise_fixture("relu", torch.relu, lambda g, n: randn(g, n),
                            edges=(-1.5, -0.0, 0.0, 2.5))
    yield pointwise_fixture("tanh", torch.tanh, lambda g, n: randn(g, n, scale=2.0))
    yield pointwise_fixture("sigmoid", torch.sigmoid, lambda g, n: randn(g, n, scale=3.0))
    yield pointwise_fixture("exp", torch.exp, lambda g, n: randn(g, n, scale=2.0))
    yield pointwise_fixture("log", torch.log, lambda g, n: uniform(g, 0.05, 5.0, n))

    gen = seeded("weighted_sum")
    sources = 3
    cases = [
        run_case(gen, "random", n,
                 {"bias": randn(gen), "weights": randn(gen, sources),
                  "sources": randn(gen, sources, n)},
                 lambda v, _: {"y": v["bias"] + (v["weights"][:, None] * v["sources"]).sum(0)},
                 ["y"])
        for n in BATCH_SIZES
    ]
    yield fixture(
        "weighted_sum",
        "y = bias + sum_i weights[i] * sources[i], 3 sources; loss = sum_k c_k y_k", cases)

    gen = seeded("split_on_add")
    copies = 3
    cases = [
        run_case(gen, "random", n, {"x": randn(gen, n)},
                 lambda v, _: {"copies": torch.stack([v["x"]] * copies)}, ["copies"])
        for n in BATCH_SIZES
    ]
    yield fixture("split_on_add",
                  "copies = split_on_add(x, 3); loss = sum_j sum_k c_jk copies_jk", cases)

    for name, make_inputs, forward in (
        ("sum", lambda g, n: {"x": randn(g, n)}, lambda v, _: {"s": v["x"].sum()}),
        ("mean", lambda g, n: {"x": randn(g, n)}, lambda v, _: {"m": v["x"].mean()}),
        ("mse", lambda g, n: {"prediction": randn(g, n), "target": randn(g, n)},
         lambda v, _: {"loss": F.mse_loss(v["prediction"], v["target"])}),
    ):
        gen = seeded(name)
        cases = [run_case(gen, "random", n, make_inputs(gen, n), forward, []) for n in BATCH_SIZES]
        yield fixture(name, f"{name} over the batch, a scalar; loss = that scalar", cases)


# --- log-softmax and NLL --------------------------------------------------------------------------


def random_logits(gen, n):
    return randn(gen, CLASSES, n, scale=2.0)


def edge_logits(gen, n):
    """Four samples with logits of +-1e4: a dominant class, a vanishing one, both, and a tie."""
    assert n == 4
    logits = random_logits(gen, n)
    logits[3, 0] = 1e4
    logits[7, 1] = -1e4
    logits[0, 2], logits[5, 2] = 1e4, -1e4
    logits[:, 3] = torch.tensor([-1e4, 1e4, 1e4] + [-1e4] * (CLASSES - 3), dtype=DTYPE)
    return logits


def classification_fixture(name, about, forward, weighted_outputs):
    gen = seeded(name)
    specs = [("random", n, random_logits) for n in BATCH_SIZES]
    specs.append(("edge", 4, edge_logits))
    cases = []
    for label, n, make_logits in specs:
        logits = make_logits(gen, n)
        targets = torch.randint(CLASSES, (n,), generator=gen)
        cases.append(
            run_case(gen, label, n, {"logits": logits}, forward, weighted_outputs, targets))
    return fixture(name, about + "; edge cases hold logits of +-1e4", cases)


def nll_outputs(v, targets):
    # log_probs themselves are checked by the log_softmax fixture.
    log_probs = F.log_softmax(v["logits"], dim=0)
    return {"losses": F.nll_loss(log_probs.T, targets, reduction="none")}


def nll_mean_outputs(v, targets):
    losses = nll_outputs(v, targets)["losses"]
    return {"losses": losses, "loss": losses.mean()}


def loss_fixtures():
    yield classification_fixture(
        "log_softmax",
        "log_probs = log_softmax over 10 class logits (one batch per class), per sample; "
        "loss = sum_c sum_k c_ck log_probs_ck",
        lambda v, _: {"log_probs": F.log_softmax(v["logits"], dim=0)}, ["log_probs"])
    yield classification_fixture(
        "nll",
        "losses_k = nll(log_softmax(logits), targets)_k per sample; loss = sum_k c_k losses_k",
        nll_outputs, ["losses"])
    yield classification_fixture(
        "nll_mean",
        "loss = mean_k nll(log_softmax(logits), targets)_k",
        nll_mean_outputs, [])


# --- knowledge distillation ---------------------------------------------------------------------


def distillation_forward(teacher_probs, alpha, temperature):
    """Hinton et al.'s loss written with PyTorch's own KL and NLL, per sample and batch mean."""
    soft_targets = teacher_probs.T  # (n, classes), as F.kl_div wants them

    def forward(v, targets):
        log_q = F.log_softmax(v["logits"] / temperature, dim=0).T
        log_probs = F.log_softmax(v["logits"], dim=0).T
        soft = alpha * temperature**2
        losses = (soft * F.kl_div(log_q, soft_targets, reduction="none").sum(1)
                  + (1 - alpha) * F.nll_loss(log_probs, targets, reduction="none"))
        loss = (soft * F.kl_div(log_q, soft_targets, reduction="batchmean")
                + (1 - alpha) * F.nll_loss(log_probs, targets))
        assert torch.allclose(loss, losses.mean(), rtol=1e-14, atol=0)
        return {"losses": losses, "loss": loss}

    return forward


def distillation_fixture():
    gen = seeded("distillation")
    mixes = ((0.25, 1.0), (0.5, 2.0), (0.9, 4.0))
    specs = [("random", n, alpha, t) for n in BATCH_SIZES for alpha, t in mixes]
    specs += [("edge", 4, 0.7, 1.0), ("edge", 4, 0.7, 4.0)]
    cases = []
    for label, n, alpha, temperature in specs:
        logits = random_logits(gen, n)
        teacher_probs = F.softmax(randn(gen, CLASSES, n, scale=3.0) / temperature, dim=0)
        if label == "edge":
            logits[2, :] = 50.0
            logits[5, 1:] = -50.0
            logits[7, 3] = -50.0
            teacher_probs[5, 1] = 0.0  # 0 log 0 = 0, at a logit of -50
            teacher_probs[2, 0] = 0.0  # and at the top logit
            teacher_probs /= teacher_probs.sum(0)
        targets = torch.randint(CLASSES, (n,), generator=gen)
        constants = {"teacher_probs": teacher_probs, "alpha": alpha, "temperature": temperature}
        cases.append(run_case(gen, label, n, {"logits": logits},
                              distillation_forward(teacher_probs, alpha, temperature), [],
                              targets, constants))
    return fixture(
        "distillation",
        "losses_k = alpha*T^2*KL(teacher_probs || softmax(logits/T))_k + (1-alpha)*nll(log_softmax"
        "(logits), targets)_k over 10 class logits; loss = mean_k losses_k (F.kl_div batchmean "
        "and F.nll_loss); edge cases hold logits of +-50 and teacher probabilities of exactly 0",
        cases)


# --- composite graph with fan-out -----------------------------------------------------------------


def composite_forward(v, _):
    h = mish(v["w1"] * v["x"] + v["b"])
    y = h * h + v["w2"] * h
    # The C++ test feeds these three uses once from split_on_add(h, 3), once from h itself.
    h0, h1, h2 = h, h, h
    return {"h": h, "out": y + torch.sigmoid(h0) + v["w3"] * h1 + h2 * v["x"]}


def composite_fixture():
    gen = seeded("composite")
    cases = [
        run_case(gen, "random", n,
                 {"x": randn(gen, n), "w1": randn(gen), "b": randn(gen), "w2": randn(gen),
                  "w3": randn(gen)},
                 composite_forward, ["out"])
        for n in BATCH_SIZES
    ]
    return fixture(
        "composite",
        "h = mish(w1*x + b); out = h*h + w2*h + sigmoid(h0) + w3*h1 + h2*x with h0, h1, h2 "
        "the three copies of split_on_add(h, 3) (or h itself); loss = sum_k c_k out_k", cases)


# --- a random 30-node network ---------------------------------------------------------------------


def random_graph(gen, input_count=8, normal_count=12, leaf_count=CLASSES):
    def pick(count, below):
        return sorted(torch.randperm(below, generator=gen)[:count].tolist())

    def degree(hi):
        return int(torch.randint(1, hi + 1, (1,), generator=gen))

    first_leaf = input_count + normal_count
    sources = {}
    for j in range(input_count, first_leaf + leaf_count):
        below = min(j, first_leaf)  # leaves read inputs and normals, never other leaves
        sources[j] = pick(min(degree(4), below), below)
    # Every input and normal feeds something, so none of their gradients is trivially zero.
    for i in range(first_leaf):
        if not any(i in s for s in sources.values()):
            j = int(torch.randint(max(i + 1, input_count), first_leaf + leaf_count, (1,),
                                  generator=gen))
            sources[j] = sorted(sources[j] + [i])
    edges = [{"from": i, "to": j, "weight": randn(gen, scale=0.8).item()}
             for j in sorted(sources) for i in sources[j]]
    return {
        "input_count": input_count,
        "normal_count": normal_count,
        "leaf_count": leaf_count,
        "biases": randn(gen, normal_count, scale=0.5).tolist(),
        "edges": edges,
    }


def graph_forward(graph):
    first_leaf = graph["input_count"] + graph["normal_count"]
    incoming = {}
    for e, edge in enumerate(graph["edges"]):
        incoming.setdefault(edge["to"], []).append((e, edge["from"]))

    def forward(v, targets):
        nodes = list(v["inputs"])
        for j in range(graph["input_count"], first_leaf + graph["leaf_count"]):
            z = sum(v["weights"][e] * nodes[i] for e, i in incoming[j])
            if j < first_leaf:
                z = mish(v["biases"][j - graph["input_count"]] + z)
            nodes.append(z)
        logits = torch.stack(nodes[first_leaf:])
        return {"logits": logits, "loss": F.nll_loss(F.log_softmax(logits, dim=0).T, targets)}

    return forward


def graph30_fixture():
    gen = seeded("graph30")
    graph = random_graph(gen)
    node_count = graph["input_count"] + graph["normal_count"] + graph["leaf_count"]
    assert all(any(e["to"] == leaf for e in graph["edges"])
               for leaf in range(node_count - graph["leaf_count"], node_count)), "a bare leaf"
    forward = graph_forward(graph)
    biases = torch.tensor(graph["biases"], dtype=DTYPE)
    weights = torch.tensor([e["weight"] for e in graph["edges"]], dtype=DTYPE)
    cases = []
    for n in BATCH_SIZES:
        inputs = {"inputs": randn(gen, graph["input_count"], n), "biases": biases,
                  "weights": weights}
        case = run_case(gen, "random", n, inputs, forward, [],
                        torch.randint(CLASSES, (n,), generator=gen))
        # The parameters are stored once, in "graph"; their gradients stay in every case.
        del case["inputs"]["biases"], case["inputs"]["weights"]
        cases.append(case)
    return fixture(
        "graph30",
        "a random 30-node network (8 inputs, 12 mish normals, 10 leaves, see graph); "
        "loss = mean NLL of log-softmax over the leaves", cases, graph)


# --- output ---------------------------------------------------------------------------------------


def dumps(value, indent=0):
    """JSON with one line per batch or edge, every float written with repr (exact round trip)."""
    pad = " " * indent
    if isinstance(value, dict):
        if all(isinstance(v, (int, float)) for v in value.values()):
            return "{" + ", ".join(f"{json.dumps(k)}: {dumps(v)}" for k, v in value.items()) + "}"
        items = [f'{pad}  {json.dumps(k)}: {dumps(v, indent + 2)}' for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if all(isinstance(v, (int, float)) for v in value):
            return "[" + ", ".join(dumps(v) for v in value) + "]"
        if all(isinstance(v, list) and all(isinstance(x, (int, float)) for x in v) for v in value):
            return "[\n" + ",\n".join(f"{pad}  {dumps(v)}" for v in value) + f"\n{pad}]"
        return "[\n" + ",\n".join(f"{pad}  {dumps(v, indent + 2)}" for v in value) + f"\n{pad}]"
    if isinstance(value, float):
        assert math.isfinite(value), "fixtures hold finite numbers only"
        return repr(value)
    return json.dumps(value)


def main():
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    docs = [*op_fixtures(), *loss_fixtures(), distillation_fixture(), composite_fixture(),
            graph30_fixture()]
    for doc in docs:
        path = OUT_DIR / f"{doc['fixture']}.json"
        path.write_text(dumps(doc) + "\n")
        print(f"{path.relative_to(OUT_DIR.parents[2])}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
