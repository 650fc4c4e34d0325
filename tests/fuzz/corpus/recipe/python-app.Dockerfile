FROM python:3.12-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_HOME=/srv/app
WORKDIR $APP_HOME

FROM base AS deps
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --prefix=/install -r requirements.txt

FROM base
ARG APP_USER=app
RUN useradd --create-home --uid 1000 "$APP_USER"
COPY --from=deps /install /usr/local
COPY --chown=app:app . .
USER ${APP_USER}
EXPOSE 8000/tcp
VOLUME ["/srv/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"
STOPSIGNAL SIGINT
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:create_app()"]
