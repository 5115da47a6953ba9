"""Locust load test for an Inferno server (the original project's options; docs/performance.md).

    locust -f scripts/load_test.py --headless -u 32 -r 32 -t 30s --host http://localhost:8000 \
        --model-name my_classifier --warmup 100 --verify-response

Each user sends predict requests back to back to POST /v1/models/{name}:predict (or the pinned
/v1/models/{name}/versions/{version}:predict). The body is --payload-file, or one generated from the signature
GET /v1/models/{name} describes: --batch rows, every other symbolic dimension --dim NAME=N (8 by default), small
values of each input's dtype. Setup (describe, --load-model, --warmup) runs once before the users start; a setup
failure stops the run with exit status 1 and says why. Locust's own options (-u, -r, -t, --host, --csv, ...) work
as usual; Locust's exit status is 1 when any request failed.
"""

import json
import os
import random
import urllib.error
import urllib.request

from locust import HttpUser, events, task
from locust.exception import StopUser

DEFAULT_DIM = 8


@events.init_command_line_parser.add_listener
def add_options(parser):
    parser.add_argument("--model-name", default="torchscript", help="model to call (default torchscript)")
    parser.add_argument("--model-version", default="",
                        help="pin requests to this version (default: the active version)")
    parser.add_argument("--load-model", action="store_true", default=False,
                        help="load --model-version through the admin API before traffic")
    parser.add_argument("--admin-token", default=os.environ.get("ADMIN_TOKEN", ""),
                        help="bearer token for --load-model (default: $ADMIN_TOKEN)")
    parser.add_argument("--warmup", type=int, default=0, help="requests sent before the users start (default 0)")
    parser.add_argument("--verify-response", action="store_true", default=False,
                        help="fail a request whose response is not the model's answer with an output tensor")
    parser.add_argument("--payload-file", default="",
                        help="JSON request body (default: generated from the model's signature)")
    parser.add_argument("--batch", type=int, default=1, help="rows per generated request (default 1)")
    parser.add_argument("--dim", default="",
                        help="sizes of symbolic dimensions in generated payloads, NAME=N[,NAME=N] (default 8 each)")
    parser.add_argument("--request-timeout", type=float, default=30.0,
                        help="seconds one request may take (default 30)")


class SetupError(Exception):
    """The run cannot start: the server, the model or the options are not what the test needs."""


def _call(host, method, path, body=None, headers=None, timeout=30.0):
    """One HTTP call outside Locust's statistics (setup and warmup): (status, parsed JSON or text)."""
    request = urllib.request.Request(host.rstrip("/") + path, data=body, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        raise SetupError(f"cannot reach {host}: {e}") from e
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def _dims(text):
    dims = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, size = item.partition("=")
        if not name or not size.isdigit() or int(size) < 1:
            raise SetupError(f"--dim {item!r}: expected NAME=N with N a whole number of 1 or more")
        dims[name] = int(size)
    return dims


def _value(dtype):
    if dtype == "bool":
        return random.random() < 0.5
    if dtype in ("uint8", "int8", "int16", "int32", "int64"):
        return random.randrange(100)
    return round(random.random(), 4)


def _nested(dtype, shape):
    if not shape:
        return _value(dtype)
    return [_nested(dtype, shape[1:]) for _ in range(shape[0])]


def generate_payload(description, batch, dims):
    """A predict body for every required input of the signature GET /v1/models/{name} returned."""
    inputs = {}
    for spec in description["signature"]["inputs"]:
        if spec.get("optional"):
            continue
        shape = []
        for dim in spec["shape"]:
            if isinstance(dim, int) and dim >= 0:
                shape.append(dim)
            elif dim == "batch":
                shape.append(batch)
            else:  # another symbolic name, or -1 (any size)
                shape.append(dims.get(str(dim), DEFAULT_DIM))
        inputs[spec["name"]] = {"dtype": spec["dtype"], "shape": shape, "data": _nested(spec["dtype"], shape)}
    return {"inputs": inputs}


class Run:
    """What setup decided, shared by every user: the route, the body and the checks."""
    path = None
    body = None
    model = None
    verify = False
    timeout = 30.0


def setup(options, host):
    name = options.model_name
    version = options.model_version
    if version and not (version.isdigit() and not version.startswith("0")):
        raise SetupError(f"--model-version {version!r}: expected a version number such as 3")
    if options.load_model:
        if not version:
            raise SetupError("--load-model needs --model-version")
        headers = {"Authorization": f"Bearer {options.admin_token}"} if options.admin_token else {}
        status, answer = _call(host, "POST", "/v1/models:load",
                               json.dumps({"name": name, "version": int(version)}).encode(), headers,
                               options.request_timeout)
        if status != 200:
            raise SetupError(f"loading {name} version {version} answered {status}: {answer}")
    if options.payload_file:
        with open(options.payload_file, "rb") as f:
            body = f.read()
        try:
            json.loads(body)
        except ValueError as e:
            raise SetupError(f"--payload-file {options.payload_file}: not JSON: {e}") from e
    else:
        path = f"/v1/models/{name}" + (f"/versions/{version}" if version else "")
        status, description = _call(host, "GET", path, timeout=options.request_timeout)
        if status != 200:
            raise SetupError(f"describing {name} answered {status}: {description}")
        body = json.dumps(generate_payload(description, options.batch, _dims(options.dim))).encode()
    Run.path = f"/v1/models/{name}" + (f"/versions/{version}" if version else "") + ":predict"
    Run.body = body
    Run.model = name
    Run.verify = options.verify_response
    Run.timeout = options.request_timeout
    for i in range(options.warmup):
        status, answer = _call(host, "POST", Run.path, body, timeout=options.request_timeout)
        if status != 200:
            raise SetupError(f"warmup request {i + 1} answered {status}: {answer}")


@events.test_start.add_listener
def on_test_start(environment, **_kwargs):
    options = environment.parsed_options
    if options is None or environment.host is None:
        return
    try:
        setup(options, environment.host)
    except SetupError as e:
        print(f"load_test.py: setup failed: {e}", flush=True)
        environment.process_exit_code = 1
        if environment.runner is not None:
            environment.runner.quit()


def problem(answer):
    """Why a 200 answer is not the model's answer, or None."""
    if not isinstance(answer, dict) or answer.get("model") != Run.model:
        return f"the answer does not name model {Run.model}"
    outputs = answer.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        return "the answer carries no output tensor"
    for name, tensor in outputs.items():
        if not isinstance(tensor, dict) or "dtype" not in tensor or "shape" not in tensor \
                or ("data" not in tensor and "base64" not in tensor):
            return f"output {name!r} is not a tensor payload"
    return None


class InfernoUser(HttpUser):
    """Sends the run's predict request back to back (no wait between requests)."""

    @task
    def predict(self):
        if Run.body is None:
            raise StopUser()  # setup failed; the runner is stopping
        with self.client.post(Run.path, data=Run.body, headers={"Content-Type": "application/json"},
                              name=Run.path, timeout=Run.timeout, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
            elif Run.verify:
                try:
                    why = problem(json.loads(response.text))
                except ValueError:
                    why = "the answer is not JSON"
                if why:
                    response.failure(why)
