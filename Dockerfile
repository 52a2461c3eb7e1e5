# One image for web, workers and sandbox; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY webapp webapp
COPY training_worker training_worker
COPY sandbox sandbox
COPY templates templates
COPY manage.py ./
RUN pip install --no-cache-dir .
