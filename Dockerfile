# One image for the API and the worker (docker-compose.yml runs it with different commands).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY service ./service
COPY methodologies ./methodologies
COPY migrations ./migrations
RUN pip install . && useradd --system --home /app --uid 10001 tanbi && mkdir -p /app/data && chown tanbi /app/data

USER tanbi
ENV TANBI_DATA_DIR=/app/data
EXPOSE 8000
CMD ["tanbi", "serve", "--host", "0.0.0.0", "--port", "8000"]
