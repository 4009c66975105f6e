# syntax=docker/dockerfile:1
# Image of the inventory service. Build from the repository root so that the context holds
# pyproject.toml and services/:
#   docker build -f docker/inventory-service.Dockerfile -t cnop/inventory-service:<tag> .
# inventory-service.Dockerfile.dockerignore beside this file limits the context to what the image needs.

# The build stage installs the runtime dependencies pinned in pyproject.toml (never the dev
# extras) into a virtual environment that the runtime stage copies.
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /build
COPY pyproject.toml ./
RUN python -m venv /opt/venv \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir --requirement requirements.txt

# The runtime stage holds the virtual environment, the common package and this service's
# package only. It runs as an unprivileged numeric user and writes nothing to its own
# filesystem, so Kubernetes can mount it read-only.
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="cnop-inventory-service" \
      org.opencontainers.image.description="Asset catalog and current market prices" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# /var/lib/cnop/keys belongs to the service user so that docker compose can generate the
# development signing keys into an empty named volume mounted there.
RUN groupadd --system --gid 10001 cnop \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cnop \
    && mkdir -p /var/lib/cnop/keys \
    && chown 10001:10001 /var/lib/cnop/keys

COPY --from=build /opt/venv /opt/venv
COPY services/common /app/common
COPY services/inventory_service /app/inventory_service

USER 10001:10001
WORKDIR /app
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health/live', timeout=2).status == 200 else 1)"]

# The signing and verification keys, table prefix and endpoints come from the environment
# and mounted files at run time; none is baked into the image.
CMD ["uvicorn", "--factory", "inventory_service.main:create_app", "--host", "0.0.0.0", "--port", "8080", "--no-access-log", "--proxy-headers"]
