"""A client Inferno did not write: Python's requests driving the Open Inference Protocol's REST binding.

Usage: open_inference_rest_client.py PORT. The server holds the sample model "torchscript" (x FP32 [batch, 4] to
y FP32 [batch, 3]). Every check prints PASS <name>; the last line is ALL PASSED. The binary request is built by
hand as Triton's binary tensor data extension (docs/protocol/extension_binary_data.md) lays it out: the JSON
object, then each binary input's little-endian bytes in the order of inputs, with Inference-Header-Content-Length
giving the JSON object's length.
"""
import json
import struct
import sys

import requests

BASE = "http://127.0.0.1:%s" % sys.argv[1]


def check(name, condition, detail=""):
    if not condition:
        print("FAIL %s %s" % (name, detail))
        sys.exit(1)
    print("PASS %s" % name)


r = requests.get(BASE + "/v2/health/live", timeout=10)
check("live", r.status_code == 200, r.text)
r = requests.get(BASE + "/v2/health/ready", timeout=10)
check("ready", r.status_code == 200, r.text)

meta = requests.get(BASE + "/v2", timeout=10).json()
check("server metadata", meta["name"] == "inferno" and "binary_tensor_data" in meta["extensions"], meta)

m = requests.get(BASE + "/v2/models/torchscript", timeout=10).json()
check("model metadata", m["platform"] == "pytorch_torchscript"
      and m["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}], m)
check("model ready", requests.get(BASE + "/v2/models/torchscript/ready", timeout=10).status_code == 200)

request = {"id": "py-1", "inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32",
                                     "data": [[1, 2, 3, 4], [0.5, -1, 0, 2]]}]}
r = requests.post(BASE + "/v2/models/torchscript/infer", json=request, timeout=10)
check("infer json", r.status_code == 200, r.text)
answer = r.json()
y = answer["outputs"][0]
check("infer json answer", answer["id"] == "py-1" and answer["model_name"] == "torchscript"
      and y["name"] == "y" and y["datatype"] == "FP32" and y["shape"] == [2, 3] and len(y["data"]) == 6, answer)

# binary: the JSON header, then 32 bytes of x, and every output asked for in binary
header = json.dumps({"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32",
                                 "parameters": {"binary_data_size": 32}}],
                     "outputs": [{"name": "y", "parameters": {"binary_data": True}}]}).encode()
body = header + struct.pack("<8f", 1, 2, 3, 4, 0.5, -1, 0, 2)
r = requests.post(BASE + "/v2/models/torchscript/infer", data=body, timeout=10,
                  headers={"Content-Type": "application/octet-stream",
                           "Inference-Header-Content-Length": str(len(header))})
check("infer binary", r.status_code == 200, r.text)
n = int(r.headers["Inference-Header-Content-Length"])
head = json.loads(r.content[:n])
out = head["outputs"][0]
size = out["parameters"]["binary_data_size"]
check("infer binary answer", r.headers["Content-Type"].startswith("application/octet-stream")
      and size == 24 and len(r.content) == n + size and "data" not in out, head)
values = struct.unpack("<6f", r.content[n:n + size])
# the JSON numbers, read back as float32, are exactly the binary floats
check("binary equals json", values == struct.unpack("<6f", struct.pack("<6f", *y["data"])), (values, y["data"]))

r = requests.post(BASE + "/v2/models/torchscript/infer", timeout=10,
                  json={"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, 4]}]})
check("invalid is 400 with error", r.status_code == 400 and "expected float32" in r.json()["error"], r.text)
r = requests.post(BASE + "/v2/models/nope/infer", json=request, timeout=10)
check("unknown model is 404 with error", r.status_code == 404 and "error" in r.json(), r.text)
print("ALL PASSED")
