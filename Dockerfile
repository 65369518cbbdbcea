# delivery-bot: one image for the web replicas (`delivery-bot serve`, the default), the scheduler
# (`delivery-bot scheduler`) and the release step (`delivery-bot db upgrade`). See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what `pip install .` needs (the rest is kept out by .dockerignore); the source is removed
# after the install, so the running code is the installed package.
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY handlers /src/handlers
COPY digests /src/digests
COPY messages /src/messages
COPY store /src/store
RUN pip install /src && rm -rf /src

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin delivery
USER delivery
WORKDIR /home/delivery

ENV PORT=3000
EXPOSE 3000

# /healthz answers 200 when the database is reachable, 503 when not (urlopen raises on 503).
# Only meaningful for `serve`: run the scheduler and one-off commands with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

CMD ["delivery-bot", "serve", "--host", "0.0.0.0"]
