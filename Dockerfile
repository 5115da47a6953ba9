# The Inferno server as a container image.
#
#   mvn -B package -DskipTests            # makes inferno-http/target/inferno-server.jar
#   docker build -t inferno:dev .
#   docker run --read-only --tmpfs /tmp -p 8000:8000 -p 8001:8001 -v "$PWD/models:/models:ro" inferno:dev
#
# The image holds the server jar and libtorch already extracted into DJL's cache (/opt/djl), so a container starts
# with no network and nothing written to the image's filesystem: it runs with a read-only root filesystem. Give it
# a small tmpfs at /tmp: JNA (which DJL uses to look for CUDA) unpacks its 130 KB helper library there at every
# start, and logs a warning without one (the server still starts and serves). Models are not in it:
# mount a repository read-only at /models (REPO_ROOT), or build an image FROM this one that copies them there.
# docs/deployment.md describes the offline check this file was verified with.

# Any Java 17 runtime with a POSIX shell (the warm-up step below needs one): eclipse-temurin:17-jre by default.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

# DJL reads its cache location and offline switch from these; OPT_OUT_TRACKING stops DJL's usage report.
ENV DJL_CACHE_DIR=/opt/djl \
    ENGINE_CACHE_DIR=/opt/djl \
    DJL_OFFLINE=true \
    OPT_OUT_TRACKING=true \
    REPO_ROOT=/models \
    PORT=8000 \
    GRPC_PORT=8001

COPY inferno-http/target/inferno-server.jar /opt/inferno/inferno-server.jar
COPY models/torchscript/1 /tmp/warmup/torchscript/1

# Start the server once on one TorchScript sample so that DJL extracts libtorch into /opt/djl, then stop it. At run
# time DJL finds the extracted library there and writes nothing.
RUN set -eu; \
    REPO_ROOT=/tmp/warmup HOST=127.0.0.1 PORT=0 GRPC_PORT=off \
        java -XX:-UsePerfData -Dai.djl.offline=true -jar /opt/inferno/inferno-server.jar > /tmp/warmup.log 2>&1 & pid=$!; \
    i=0; \
    until grep -q 'libtorch .* started' /tmp/warmup.log; do \
        i=$((i + 1)); \
        if [ "$i" -gt 300 ] || ! kill -0 "$pid" 2> /dev/null; then cat /tmp/warmup.log; exit 1; fi; \
        sleep 1; \
    done; \
    kill "$pid"; wait "$pid" || true; \
    ls /opt/djl/pytorch/*/libtorch.so > /dev/null; \
    rm -rf /tmp/warmup /tmp/warmup.log /tmp/hsperfdata_* /root/.djl.ai; \
    chmod -R a+rX /opt/djl /opt/inferno; \
    mkdir -p /models

# A numeric user with no entry in /etc/passwd: Kubernetes' runAsNonRoot can check it, and no base needs useradd.
USER 10001:10001
WORKDIR /opt/inferno
EXPOSE 8000 8001
# The heap follows the container's memory limit. Half of it, not more: libtorch's tensors and the model weights it
# loads live outside the heap. No perf-data file in /tmp. Add flags with JAVA_TOOL_OPTIONS.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", \
            "-Dai.djl.offline=true", "-jar", "/opt/inferno/inferno-server.jar"]
