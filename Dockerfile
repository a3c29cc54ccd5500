# clipbridge in a container.
#
# The build stage runs the README's install, `bash scripts/dev.sh run`, unchanged: it creates
# .venv from requirements.lock + requirements-build.lock with `pip install --require-hashes`, then
# installs the project with `--no-deps --no-build-isolation -e .` (ffmpeg comes from the
# imageio-ffmpeg wheel), and ends by running `clipbridge --version` as a smoke test. So what CI
# tests is what the image runs. The runtime stage copies the result into a clean image and runs
# it as a non-root user, with the database and work files on a volume at /data.
#
#   docker build -t clipbridge .
#   docker run --env-file .env -v clipbridge-data:/data -p 127.0.0.1:8080:8080 clipbridge

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY requirements.lock requirements-build.lock pyproject.toml README.md ./
COPY scripts/ scripts/
COPY bot/ bot/
COPY adapters/ adapters/
RUN bash scripts/dev.sh run --version

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin clipbridge \
    && mkdir /data \
    && chown clipbridge:clipbridge /data
WORKDIR /app
# Same path as in the build stage: the editable install and the venv's scripts point at /app.
COPY --from=build /app /app
USER clipbridge
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HTTP_PORT', '8080'), timeout=4)"
ENTRYPOINT ["clipbridge"]
CMD ["run"]
