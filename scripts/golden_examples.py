#!/usr/bin/python3
"""Write the golden examples of the sample repository: ``models/<name>/<version>/tests/<case>/``.

Run from the repository root after ``scripts/export_models.py`` (Debian's torch, ``apt-get install -y
python3-torch``):

    /usr/bin/python3 scripts/golden_examples.py

Each example is a ``request.json`` (the body of ``POST /v1/models/<name>:predict``) and an ``expected.json``
(the outputs the model must answer, or the error it must give); the format is described in
docs/testing-models.md.

Where the expected outputs come from, and how they are checked before they are written:

* TorchScript and ONNX samples: the reference outputs ``export_models.py`` recorded by running the exported
  models in PyTorch (``inferno-*/src/test/resources/reference``). The TorchScript files are run again here with
  ``torch.jit.load`` and must give the same numbers; the linear samples (``torchscript``) and ``multi_io`` are
  also recomputed by hand, from the weights read out of ``model.ts`` and from the masked-softmax definition, in
  double precision; the classifiers' probabilities must sum to 1 per row.
* The Java sample (``java``): computed here by hand from ``models/java/1/weights.txt`` (softmax regression).

Inferno's own tests then run every example through the real runtimes in Java (libtorch, ONNX Runtime, the
Java model), so a wrong number here, or in a runtime, fails a build.
"""

import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "models")
TORCH_REFERENCE = os.path.join(ROOT, "inferno-torch", "src", "test", "resources", "reference")
ONNX_REFERENCE = os.path.join(ROOT, "inferno-onnx", "src", "test", "resources", "reference")


def reference(directory, name, version):
    with open(os.path.join(directory, f"{name}-{version}.json")) as f:
        return json.load(f)["cases"]


def values(payload):
    return payload["data"]


def tensor(payload):
    dtype = {"float32": torch.float32, "int64": torch.int64}[payload["dtype"]]
    return torch.tensor(payload["data"], dtype=dtype)


def close(got, want, tolerance=1e-5):
    """Nested lists of numbers, element by element, relative to max(1, |want|)."""
    if isinstance(want, list):
        assert len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            close(g, w, tolerance)
    else:
        assert abs(got - want) <= tolerance * max(1.0, abs(want)), (got, want)


def dump(value, indent=""):
    """JSON with one key per line and each list (a tensor's shape or data) on one line."""
    if isinstance(value, dict) and value:
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {dump(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return json.dumps(value)


def write_case(name, version, case, request, expected):
    directory = os.path.join(MODELS, name, str(version), "tests", case)
    os.makedirs(directory, exist_ok=True)
    for file, body in (("request.json", request), ("expected.json", expected)):
        with open(os.path.join(directory, file), "w") as f:
            f.write(dump(body) + "\n")
    print(f"wrote {name}/{version}/tests/{case}")


def rerun_torchscript(name, version, case, input_names):
    """Runs the committed model.ts on the case's inputs; must give the recorded outputs."""
    module = torch.jit.load(os.path.join(MODELS, name, str(version), "model.ts"))
    with torch.inference_mode():
        out = module(*[tensor(case["inputs"][n]) for n in input_names])
    if isinstance(out, torch.Tensor):
        out = {next(iter(case["outputs"])): out}
    for output, payload in case["outputs"].items():
        close(out[output].tolist(), values(payload))
    return module


# ------------------------------------------------------------------------------------------------------------
# torchscript/1 and /2: y = x @ W.T + b + offset


def linear():
    for version in (1, 2):
        cases = reference(TORCH_REFERENCE, "torchscript", version)
        for case_name, case in (("one_row", cases[1]), ("three_rows", cases[2])):
            module = rerun_torchscript("torchscript", version, case, ["x"])
            w = module.linear.weight.tolist()
            b = module.linear.bias.tolist()
            offset = module.offset
            by_hand = [[sum(x[i] * w[j][i] for i in range(4)) + b[j] + offset for j in range(3)]
                       for x in values(case["inputs"]["x"])]
            close(by_hand, values(case["outputs"]["y"]))
            write_case("torchscript", version, case_name, {"inputs": case["inputs"]}, {"outputs": case["outputs"]})
    write_case("torchscript", 2, "missing_input", {"inputs": {}},
               {"error": "Missing required input(s): x. Expected inputs: x"})


# ------------------------------------------------------------------------------------------------------------
# multi_io/1: probs = softmax over unmasked positions (0 where masked), total = sum(tokens * mask)


def multi_io():
    cases = reference(TORCH_REFERENCE, "multi_io", 1)
    case = cases[1]
    rerun_torchscript("multi_io", 1, case, ["tokens", "mask"])
    probs, totals = [], []
    for tokens, mask in zip(values(case["inputs"]["tokens"]), values(case["inputs"]["mask"])):
        kept = [math.exp(t) if m != 0 else 0.0 for t, m in zip(tokens, mask)]
        s = sum(kept)
        probs.append([k / s if s else 0.0 for k in kept])
        totals.append([sum(t * m for t, m in zip(tokens, mask))])
    close(probs, values(case["outputs"]["probs"]))
    close(totals, values(case["outputs"]["total"]))
    write_case("multi_io", 1, "masked_rows", {"inputs": case["inputs"]}, {"outputs": case["outputs"]})
    write_case("multi_io", 1, "total_only", {"inputs": case["inputs"], "outputs": ["total"]},
               {"outputs": {"total": case["outputs"]["total"]}})


# ------------------------------------------------------------------------------------------------------------
# the classifiers: a transformer, so only re-run and a sanity check; PyTorch 1.13 here, libtorch 2.7.1 and ONNX
# Runtime in Inferno's tests, hence a looser tolerance than the default


CLASSIFIER_TOLERANCE = {"absolute": 1e-5, "relative": 1e-4}


def classifier_checks(case):
    for row in values(case["outputs"]["probs"]):
        assert abs(sum(row) - 1) < 1e-5, row


def classifiers():
    cases = reference(TORCH_REFERENCE, "my_classifier", 1)
    for case_name, case in (("warmup_tokens", cases[0]), ("three_rows", cases[2])):
        rerun_torchscript("my_classifier", 1, case, ["tokens"])
        classifier_checks(case)
        write_case("my_classifier", 1, case_name, {"inputs": case["inputs"]},
                   {"outputs": case["outputs"], "tolerance": CLASSIFIER_TOLERANCE})
    wrong = dict(case["inputs"]["tokens"], dtype="float32")
    write_case("my_classifier", 1, "float_tokens", {"inputs": {"tokens": wrong}},
               {"error": "Input 'tokens' has dtype float32; expected int64"})

    onnx = reference(ONNX_REFERENCE, "my_classifier_onnx", 1)[2]
    classifier_checks(onnx)
    close(values(onnx["outputs"]["probs"]), values(cases[2]["outputs"]["probs"]))  # the same weights
    write_case("my_classifier_onnx", 1, "three_rows", {"inputs": onnx["inputs"]},
               {"outputs": onnx["outputs"], "tolerance": CLASSIFIER_TOLERANCE})

    mlp = reference(ONNX_REFERENCE, "mlp_onnx", 1)[2]
    for row in values(mlp["outputs"]["scores"]):
        assert abs(sum(row) - 1) < 1e-5, row
    write_case("mlp_onnx", 1, "five_rows", {"inputs": mlp["inputs"]}, {"outputs": mlp["outputs"]})


# ------------------------------------------------------------------------------------------------------------
# java/1: softmax regression with weights.txt (F C, then F rows of C weights, then C biases)


def java():
    with open(os.path.join(MODELS, "java", "1", "weights.txt")) as f:
        numbers = f.read().split()
    features, classes = int(numbers[0]), int(numbers[1])
    flat = [float(n) for n in numbers[2:]]
    w = [flat[f * classes:(f + 1) * classes] for f in range(features)]
    b = flat[features * classes:]
    x = [[1.0, 2.0, 3.0, 4.0], [0.5, -0.25, 0.0, 2.0]]
    probs = []
    for row in x:
        z = [b[c] + sum(row[f] * w[f][c] for f in range(features)) for c in range(classes)]
        e = [math.exp(v - max(z)) for v in z]
        probs.append([v / sum(e) for v in e])
    write_case("java", 1, "two_rows",
               {"inputs": {"x": {"dtype": "float32", "shape": [2, features], "data": x}}},
               {"outputs": {"probs": {"dtype": "float32", "shape": [2, classes], "data": probs}}})


if __name__ == "__main__":
    linear()
    multi_io()
    classifiers()
    java()
