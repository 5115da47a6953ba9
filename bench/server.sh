# Sourced by the bench scripts: builds the jars (unless SKIP_BUILD=1) and starts the server on the sample models on
# $PORT, with gRPC on $GRPC_PORT (default off), logging to the file given as $1; returns once it is ready and stops
# it when the calling script exits. Sets $server to its pid.
# require_free_port PORT WHAT: stops the script when something already listens on PORT, so that a leftover server
# is never measured in place of the one this script starts.
require_free_port() {
  if (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; then
    echo "port $1 ($2) is already in use: stop what listens there or choose another port" >&2
    exit 1
  fi
}

start_server() {
  local log=$1
  require_free_port "$PORT" "Inferno, PORT"
  if [[ "${SKIP_BUILD:-}" != "1" ]]; then
    mvn -B -q package -DskipTests
  fi
  PORT=$PORT GRPC_PORT=${GRPC_PORT:-off} REPO_ROOT=models LOG_LEVEL=WARN \
    java ${SERVER_JAVA_OPTS:-} -jar inferno-http/target/inferno-server.jar > "$log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$PORT/health/ready" > /dev/null 2>&1; then return 0; fi
    if ! kill -0 "$server" 2>/dev/null; then echo "server exited; see $log" >&2; exit 1; fi
    sleep 0.5
  done
  echo "server not ready; see $log" >&2
  exit 1
}
