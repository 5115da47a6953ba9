-- wrk script: POST the body in $BODY_FILE (default bench/torchscript-body.json) to the path given as the
-- script argument, e.g.: wrk -t2 -c32 -d10s -s bench/predict.lua http://127.0.0.1:8000 -- /v1/models/torchscript:predict
local path = "/v1/models/torchscript:predict"
function init(args)
  if args[1] then path = args[1] end
  local f = assert(io.open(os.getenv("BODY_FILE") or "bench/torchscript-body.json", "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  return wrk.format(nil, path)
end
