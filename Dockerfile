FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MPLBACKEND=Agg

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY bot ./bot
COPY content ./content
COPY scheduler ./scheduler
COPY storage ./storage
RUN pip install . \
    && useradd --create-home --uid 10001 magbot \
    && mkdir -p /app/data \
    && chown magbot:magbot /app/data

USER magbot
# The bot writes a heartbeat file from its scheduler and answers /healthz in webhook mode;
# in polling mode the check is that the process can reach its database.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot.healthcheck"]
CMD ["python", "-m", "bot"]
