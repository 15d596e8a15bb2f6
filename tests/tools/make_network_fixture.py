#!/usr/bin/env python3
"""Write the PyTorch golden fixture for a whole chaosnet network.

Run by hand after changing the network's definition, the model file or this script (CI has no
torch and reads the committed file):

    /usr/bin/python3 tests/tools/make_network_fixture.py

It reads the chaosnet model file tests/fixtures/network/dag40.model.json (written by the hidden
test `io_network_fixture_test "[.generate]"`; its format is documented in
include/chaosnet/io/model_file.hpp), builds the same computation in torch float64, and writes
tests/fixtures/network/dag40.torch.json. Batches come from fixed seeds, so two runs write
identical bytes. tests/io/network_fixture_test.cpp loads the model, runs one forward and
backward pass per batch and compares.

The computation, over the nodes in the file's (topological) order:
    input node k   = feature k of the sample (inputs in file order are features 0, 1, ...)
    normal node    = mish(bias + sum over its edges of weight * source),
                     mish(x) = x * tanh(softplus(x))
    leaf node      = sum over its edges of weight * source (+ bias when it has one)
    loss           = mean over the batch of the NLL of log_softmax over the leaves, the leaves
                     in file order being classes 0, 1, ...

JSON schema of dag40.torch.json
-------------------------------
    {
      "format": "chaosnet-network-fixture/1",
      "model": "dag40.model.json",     the model file, in the same directory
      "about": "<the computation in words>",
      "generator": "<this script, torch version, dtype>",
      "cases": [{
        "n": 4,                            batch size (1, 4 and 32, one case each)
        "inputs": [[float] * input_count] * n,   sample-major; every value is a float32
                                           (chaosnet batches are float), stored exactly
        "labels": [int] * n,
        "loss": float,
        "grads": {"<ParamId>": float},     d loss / d parameter for every bias and weight
        "input_grads": [[float] * input_count] * n   d loss / d input, for reference
      }]
    }
"""

import json
from pathlib import Path

import torch
import torch.nn.functional as F

FORMAT = "chaosnet-network-fixture/1"
FIXTURE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "network"
MODEL = "dag40.model.json"
OUTPUT = "dag40.torch.json"
BATCH_SIZES = (1, 4, 32)
DTYPE = torch.float64


def mish(x):
    # Autograd through softplus and tanh, independent of chaosnet's hand-written derivative.
    return x * torch.tanh(F.softplus(x))


def load_model(path):
    model = json.loads(path.read_text())
    if model.get("format") != "chaosnet-model" or model.get("version") != 1:
        raise SystemExit(f"{path}: not a chaosnet model file of format version 1")
    return model["topology"]


def forward(topology, params, x, labels):
    """The mean NLL loss of a batch; x is (n, input_count), params maps ParamId to a tensor."""
    nodes = topology["nodes"]
    incoming = {node["id"]: [] for node in nodes}
    for edge in topology["edges"]:  # grouped by target, in each target's input order
        incoming[edge["to"]].append(edge)
    values = {}
    inputs = [node for node in nodes if node["kind"] == "input"]
    for k, node in enumerate(inputs):
        values[node["id"]] = x[:, k]
    leaves = []
    for node in nodes:
        if node["kind"] == "input":
            continue
        z = torch.zeros(x.shape[0], dtype=DTYPE)
        for edge in incoming[node["id"]]:
            z = z + params[edge["id"]] * values[edge["from"]]
        if "bias_id" in node:
            z = z + params[node["bias_id"]]
        values[node["id"]] = mish(z) if node["kind"] == "normal" else z
        if node["kind"] == "leaf":
            leaves.append(values[node["id"]])
    logits = torch.stack(leaves, dim=1)
    return F.nll_loss(F.log_softmax(logits, dim=1), labels)


def make_case(topology, n):
    input_count = sum(1 for node in topology["nodes"] if node["kind"] == "input")
    leaf_count = sum(1 for node in topology["nodes"] if node["kind"] == "leaf")
    generator = torch.Generator().manual_seed(4000 + n)
    # float32 samples in [0, 1), as chaosnet reads them; widened exactly to float64.
    x32 = torch.rand((n, input_count), dtype=torch.float32, generator=generator)
    labels = torch.randint(0, leaf_count, (n,), generator=generator)
    x = x32.to(DTYPE).requires_grad_(True)

    params = {}
    for node in topology["nodes"]:
        if "bias_id" in node:
            params[node["bias_id"]] = torch.tensor(node["bias"], dtype=DTYPE, requires_grad=True)
    for edge in topology["edges"]:
        params[edge["id"]] = torch.tensor(edge["weight"], dtype=DTYPE, requires_grad=True)

    loss = forward(topology, params, x, labels)
    ids = sorted(params)
    grads = torch.autograd.grad(loss, [params[i] for i in ids] + [x])
    return {
        "n": n,
        "inputs": x32.to(DTYPE).tolist(),
        "labels": labels.tolist(),
        "loss": loss.item(),
        "grads": {str(i): g.item() for i, g in zip(ids, grads[:-1])},
        "input_grads": grads[-1].tolist(),
    }


def main():
    topology = load_model(FIXTURE_DIR / MODEL)
    document = {
        "format": FORMAT,
        "model": MODEL,
        "about": "loss and parameter gradients of the chaosnet model in the model file: normal "
                 "node = mish(bias + sum w*source), leaf = sum w*source + bias, loss = batch "
                 "mean of the NLL of log_softmax over the leaves",
        "generator": f"tests/tools/make_network_fixture.py, torch {torch.__version__}, float64",
        "cases": [make_case(topology, n) for n in BATCH_SIZES],
    }
    out = FIXTURE_DIR / OUTPUT
    out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
