FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MPLBACKEND=Agg

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY devtools ./devtools
COPY runtime ./runtime
COPY scheduler ./scheduler
# Migrations ship inside storage/, so the installed (non-editable) package can migrate.
COPY storage ./storage
RUN pip install . \
    && useradd --create-home --uid 10001 magbot \
    && mkdir -p /app/data \
    && chown magbot:magbot /app/data

USER magbot
# Webhook mode serves Telegram's updates here (WEBHOOK_PORT). /healthz and /metrics are on
# METRICS_LISTEN:METRICS_PORT, 127.0.0.1:8081 by default: inside the container only.
EXPOSE 8080
# In webhook mode the probe asks the running bot's /healthz on the operations listener
# (database and scheduler); in polling mode it checks that the database answers.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.server.probe"]
CMD ["python", "-m", "bot"]
