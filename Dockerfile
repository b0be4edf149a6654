# One image for the four services; docker-compose.yml picks the process per container.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY services ./services
RUN pip install . && useradd --system --uid 10001 clinic
COPY deploy/entrypoint.sh /usr/local/bin/clinic-entrypoint
USER clinic
ENTRYPOINT ["clinic-entrypoint"]
