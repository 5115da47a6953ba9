#!/usr/bin/python3
"""Export the sample model repository's TorchScript and ONNX models, and their reference outputs.

Run from the repository root with Debian's torch (``apt-get install -y python3-torch``; no PyPI needed):

    /usr/bin/python3 scripts/export_models.py        # everything
    /usr/bin/python3 scripts/export_models.py onnx   # only the ONNX samples

Writes, deterministically (fixed seeds, one thread):

* ``models/<name>/<version>/model.ts`` and ``model.yaml`` for every TorchScript sample model;
* ``inferno-torch/src/test/resources/reference/<name>-<version>.json``: fixed inputs and the outputs of the
  *saved* file, reloaded with ``torch.jit.load``, in the Inferno tensor payload format;
* ``inferno-torch/src/test/resources/broken/``: artifacts for load-failure tests;
* ``models/my_classifier_onnx/1/`` and ``models/mlp_onnx/1/``: ``model.onnx`` (``torch.onnx.export``, opset 13,
  dynamic batch axis; Debian's torch needs no ``onnx`` package for it) and ``model.yaml`` (the MLP's has no
  signature: the ONNX runtime reads it from the graph);
* ``inferno-onnx/src/test/resources/reference/<name>-<version>.json``: fixed inputs and the outputs of the
  exported PyTorch module (there is no ONNX Runtime for Python here; the Java tests compare against these).

``onnx`` exports only the ONNX samples. The ONNX classifier takes its weights from the committed
``models/my_classifier/1/model.ts``, so it is the same classifier as the TorchScript sample, and exporting it
neither retrains nor rewrites any TorchScript file. Use it unless the TorchScript samples themselves change: a full
run rewrites every model.ts, and since TorchScript records this script's source line numbers, any edit of the
script changes their bytes (not their weights or outputs).

The exported files are committed, so a fresh clone needs neither this script nor Python.
"""

import io
import json
import os
import sys
import zipfile
from typing import Dict

import torch
from torch import Tensor, nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "models")
TEST_RESOURCES = os.path.join(ROOT, "inferno-torch", "src", "test", "resources")
ONNX_TEST_RESOURCES = os.path.join(ROOT, "inferno-onnx", "src", "test", "resources")
ONNX_OPSET = 13

VOCAB = 1000
NUM_CLASSES = 4
# d_model 32 rather than 128, so that batching pays 3x+. Measured in DJL 0.36 / libtorch 2.7.1, one thread,
# seq 32, rows/s at batch 32 over batch 1: d_model 128 ~2x (a 32-token sequence is already a 32-row matrix
# product, so batch 1 is compute-bound too), 64 ~2.5-4x, 32 ~4.5x. Batch 1 costs about the same for all of
# them (per-operator overhead dominates). See docs/notes/djl-findings.md.
D_MODEL = 32
FEEDFORWARD = 64


# --------------------------------------------------------------------------------------------------------------
# Models


class Linear43(nn.Module):
    """``y = x @ W.T + b + offset``: the smallest sample, [batch, 4] -> [batch, 3]."""

    def __init__(self, seed: int, offset: float):
        super().__init__()
        torch.manual_seed(seed)
        self.linear = nn.Linear(4, 3)
        self.offset = offset

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x) + self.offset


class TextClassifier(nn.Module):
    """Token ids [batch, seq] -> class probabilities [batch, 4]: embedding, 2 transformer layers, mean-pool."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, D_MODEL)
        layer = nn.TransformerEncoderLayer(
            d_model=D_MODEL, nhead=4, dim_feedforward=FEEDFORWARD, dropout=0.0, batch_first=True)
        # No nested tensors: they only matter with a padding mask, and keep the scripted graph simple.
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(D_MODEL, NUM_CLASSES)

    def logits(self, tokens: Tensor) -> Tensor:
        h = self.encoder(self.embedding(tokens))
        return self.head(h.mean(dim=1))

    def forward(self, tokens: Tensor) -> Tensor:
        return torch.softmax(self.logits(tokens), dim=-1)


class MultiIO(nn.Module):
    """Two inputs, two named outputs returned as a ``Dict[str, Tensor]``.

    ``probs``: softmax over seq of ``tokens`` with masked positions (mask == 0) excluded (probability 0; a row
    with every position masked gives all zeros). ``total``: the per-row sum of ``tokens * mask``, [batch, 1].
    """

    def forward(self, tokens: Tensor, mask: Tensor) -> Dict[str, Tensor]:
        keep = mask != 0
        logits = tokens.masked_fill(~keep, float("-inf"))
        probs = torch.softmax(logits, dim=1)
        probs = torch.where(keep, probs, torch.zeros_like(probs))
        total = (tokens * mask).sum(dim=1, keepdim=True)
        return {"probs": probs, "total": total}


class MLP(nn.Module):
    """``features`` [batch, 16] -> ``scores`` [batch, 3]: two hidden layers of 64 with ReLU, softmax at the end."""

    def __init__(self, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.layers = nn.Sequential(
            nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))

    def forward(self, features: Tensor) -> Tensor:
        return torch.softmax(self.layers(features), dim=-1)


class Arity3(nn.Module):
    """A valid TorchScript model whose forward takes three tensors (paired with a 1-input signature in tests)."""

    def forward(self, a: Tensor, b: Tensor, c: Tensor) -> Tensor:
        return a + b + c


# --------------------------------------------------------------------------------------------------------------
# Training the classifier on a synthetic task, so its probabilities mean something


def synthetic_batch(gen: torch.Generator, batch: int, seq: int):
    """Class c's sequences draw most tokens from the c-th quarter of the vocabulary, the rest uniformly."""
    labels = torch.randint(0, NUM_CLASSES, (batch,), generator=gen)
    quarter = VOCAB // NUM_CLASSES
    own = labels[:, None] * quarter + torch.randint(0, quarter, (batch, seq), generator=gen)
    noise = torch.randint(0, VOCAB, (batch, seq), generator=gen)
    use_own = torch.rand((batch, seq), generator=gen) < 0.6
    return torch.where(use_own, own, noise), labels


def train_classifier(model: TextClassifier, steps: int = 400) -> float:
    gen = torch.Generator().manual_seed(1234)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(steps):
        tokens, labels = synthetic_batch(gen, 32, 16)
        loss = nn.functional.cross_entropy(model.logits(tokens), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        tokens, labels = synthetic_batch(torch.Generator().manual_seed(99), 256, 24)
        accuracy = (model.logits(tokens).argmax(dim=1) == labels).float().mean().item()
    return accuracy


# --------------------------------------------------------------------------------------------------------------
# Writing files


def dims(shape):
    return "[" + ", ".join(str(d) for d in shape) + "]"


def write_model_yaml(directory, name, version, inputs, outputs, max_batch_size, extra="",
                     fmt="torchscript", file="model.ts"):
    """Writes model.yaml; with ``inputs`` and ``outputs`` both None it has no signature (ONNX reads the graph's),
    with ``file`` None no ``file`` (the format's default)."""
    lines = [
        f"name: {name}",
        f"version: {version}",
        f"format: {fmt}",
    ]
    if file is not None:
        lines.append(f"file: {file}")
    if inputs is not None:
        lines += ["signature:", "  inputs:"]
        for n, dtype, shape in inputs:
            lines += [f"    - name: {n}", f"      dtype: {dtype}", f"      shape: {dims(shape)}"]
        lines.append("  outputs:")
        for n, dtype, shape in outputs:
            lines += [f"    - name: {n}", f"      dtype: {dtype}", f"      shape: {dims(shape)}"]
    lines += ["batching:", f"  max_batch_size: {max_batch_size}", "  max_batch_latency_ms: 5"]
    with open(os.path.join(directory, "model.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n" + extra)


DTYPE_NAMES = {torch.float32: "float32", torch.int64: "int64"}


def payload(t: Tensor):
    """The Inferno JSON tensor payload: dtype, shape and nested row-major data (floats round-trip via repr)."""
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data": t.tolist()}


def export(module: nn.Module, name: str, version: int) -> str:
    directory = os.path.join(MODELS, name, str(version))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "model.ts")
    torch.jit.script(module.eval()).save(path)
    return path


def write_reference(path: str, name: str, version: int, input_names, cases):
    """Runs the saved file (reloaded, as a runtime would) on each case and records its outputs."""
    record_reference(torch.jit.load(path), TEST_RESOURCES, name, version, input_names, cases)


def record_reference(module, resources: str, name: str, version: int, input_names, cases):
    """Runs ``module`` on each case and writes ``<resources>/reference/<name>-<version>.json``."""
    recorded = []
    with torch.inference_mode():
        for inputs in cases:
            out = module(*inputs)
            if isinstance(out, Tensor):
                out = {OUTPUT_NAMES[name][0]: out}
            recorded.append({
                "inputs": {n: payload(t) for n, t in zip(input_names, inputs)},
                "outputs": {n: payload(out[n]) for n in OUTPUT_NAMES[name]},
            })
    ref_dir = os.path.join(resources, "reference")
    os.makedirs(ref_dir, exist_ok=True)
    with open(os.path.join(ref_dir, f"{name}-{version}.json"), "w") as f:
        f.write('{"cases": [\n')
        f.write(",\n".join("  " + json.dumps(case) for case in recorded))
        f.write("\n]}\n")


OUTPUT_NAMES = {"torchscript": ["y"], "my_classifier": ["probs"], "multi_io": ["probs", "total"],
                "my_classifier_onnx": ["probs"], "mlp_onnx": ["scores"]}


def rounded(gen: torch.Generator, *shape) -> Tensor:
    """Random float32 inputs rounded to 1/64, so they read cleanly and are exact in JSON and float32."""
    return torch.round(torch.randn(*shape, generator=gen) * 64) / 64


def export_linear():
    gen = torch.Generator().manual_seed(7)
    cases = [
        [torch.zeros(1, 4)],
        [torch.tensor([[1.0, 2.0, 3.0, 4.0]])],
        [rounded(gen, 3, 4)],
    ]
    for version, seed, offset in [(1, 11, 0.0), (2, 22, 10.0)]:
        path = export(Linear43(seed, offset), "torchscript", version)
        write_model_yaml(os.path.dirname(path), "torchscript", version,
                         [("x", "float32", ["batch", 4])], [("y", "float32", ["batch", 3])], 32)
        write_reference(path, "torchscript", version, ["x"], cases)


CLASSIFIER_WARMUP_TOKENS = [[5, 260, 517, 780, 13, 999, 0, 421]]


def classifier_warmup():
    warmup_tokens = CLASSIFIER_WARMUP_TOKENS
    return (
        "concurrency:\n"
        "  max_concurrency: 1\n"
        "warmup:\n"
        "  - tokens:\n"
        "      dtype: int64\n"
        f"      shape: [1, {len(warmup_tokens[0])}]\n"
        f"      data: {json.dumps(warmup_tokens)}\n"
    )


def classifier_cases():
    gen = torch.Generator().manual_seed(8)
    return [
        [torch.tensor(CLASSIFIER_WARMUP_TOKENS)],
        [synthetic_batch(gen, 1, 16)[0]],
        [synthetic_batch(gen, 3, 16)[0]],
        [synthetic_batch(gen, 3, 32)[0]],
    ]


def export_classifier():
    torch.manual_seed(42)
    model = TextClassifier()
    accuracy = train_classifier(model)
    print(f"my_classifier: held-out accuracy on the synthetic task {accuracy:.3f}")
    path = export(model, "my_classifier", 1)
    write_model_yaml(os.path.dirname(path), "my_classifier", 1,
                     [("tokens", "int64", ["batch", "seq"])], [("probs", "float32", ["batch", NUM_CLASSES])],
                     32, classifier_warmup())
    write_reference(path, "my_classifier", 1, ["tokens"], classifier_cases())


def export_multi_io():
    path = export(MultiIO(), "multi_io", 1)
    write_model_yaml(os.path.dirname(path), "multi_io", 1,
                     [("tokens", "float32", ["batch", "seq"]), ("mask", "float32", ["batch", "seq"])],
                     [("probs", "float32", ["batch", "seq"]), ("total", "float32", ["batch", 1])], 32)
    gen = torch.Generator().manual_seed(9)
    cases = [
        [torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]]), torch.tensor([[1.0, 1.0, 1.0, 0.0, 0.0]])],
        [rounded(gen, 3, 5), torch.tensor([[1.0, 1.0, 1.0, 1.0, 1.0],
                                           [0.0, 1.0, 0.0, 1.0, 0.0],
                                           [0.0, 0.0, 0.0, 0.0, 0.0]])],
    ]
    write_reference(path, "multi_io", 1, ["tokens", "mask"], cases)


def export_broken():
    broken = os.path.join(TEST_RESOURCES, "broken")
    os.makedirs(broken, exist_ok=True)
    valid = io.BytesIO()
    torch.jit.save(torch.jit.script(Linear43(11, 0.0).eval()), valid)
    data = valid.getvalue()
    with open(os.path.join(broken, "truncated.ts"), "wb") as f:
        f.write(data[: len(data) // 2])
    # A valid zip archive, but not TorchScript. Fixed timestamps keep the bytes reproducible.
    with zipfile.ZipFile(os.path.join(broken, "not_torchscript.ts"), "w") as z:
        info = zipfile.ZipInfo("readme.txt", date_time=(2020, 1, 1, 0, 0, 0))
        z.writestr(info, "This archive is not a TorchScript model.\n")
    torch.jit.script(Arity3().eval()).save(os.path.join(broken, "arity3.ts"))


# --------------------------------------------------------------------------------------------------------------
# ONNX


def export_onnx(module: nn.Module, name: str, version: int, example, input_names, output_names,
                dynamic_axes) -> str:
    """``torch.onnx.export`` at opset 13 with the given dynamic axes; returns the path of model.onnx."""
    directory = os.path.join(MODELS, name, str(version))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    module.eval()
    # With gradients on: under no_grad, eval-mode transformer layers take a fused "fast path"
    # (aten::_transformer_encoder_layer_fwd) that has no ONNX export.
    with torch.enable_grad():
        torch.onnx.export(module, example, path, opset_version=ONNX_OPSET, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes, do_constant_folding=True)
    return path


def export_classifier_onnx():
    """The TorchScript sample classifier, same weights (read back from its committed model.ts), as ONNX."""
    model = TextClassifier()
    scripted = torch.jit.load(os.path.join(MODELS, "my_classifier", "1", "model.ts"))
    model.load_state_dict(scripted.state_dict())
    model.eval()
    path = export_onnx(model, "my_classifier_onnx", 1, (torch.tensor(CLASSIFIER_WARMUP_TOKENS),), ["tokens"],
                       ["probs"], {"tokens": {0: "batch", 1: "seq"}, "probs": {0: "batch"}})
    write_model_yaml(os.path.dirname(path), "my_classifier_onnx", 1,
                     [("tokens", "int64", ["batch", "seq"])], [("probs", "float32", ["batch", NUM_CLASSES])],
                     32, classifier_warmup(), fmt="onnx", file=None)
    record_reference(model, ONNX_TEST_RESOURCES, "my_classifier_onnx", 1, ["tokens"], classifier_cases())


def export_mlp_onnx():
    """A small MLP whose model.yaml has no signature: [batch, 16] float32 in, [batch, 3] out."""
    model = MLP(seed=31)
    gen = torch.Generator().manual_seed(10)
    path = export_onnx(model, "mlp_onnx", 1, (rounded(gen, 2, 16),), ["features"], ["scores"],
                       {"features": {0: "batch"}, "scores": {0: "batch"}})
    write_model_yaml(os.path.dirname(path), "mlp_onnx", 1, None, None, 32, fmt="onnx", file=None)
    cases = [
        [torch.zeros(1, 16)],
        [rounded(gen, 1, 16)],
        [rounded(gen, 5, 16)],
    ]
    record_reference(model, ONNX_TEST_RESOURCES, "mlp_onnx", 1, ["features"], cases)


def main():
    # TorchScript emits a class's Final constants in set order, which depends on string hashing: pin the hash
    # seed so that the same script writes byte-identical model.ts files.
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    only = sys.argv[1:]
    if only not in ([], ["onnx"]):
        sys.exit("usage: export_models.py [onnx]")
    if not only:
        export_linear()
        export_classifier()
        export_multi_io()
        export_broken()
    export_classifier_onnx()
    export_mlp_onnx()


if __name__ == "__main__":
    main()
