# Multi-stage: build the wheel and its dependencies once, ship only the virtualenv.
FROM python:3.12-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml setup.py README.md run.py ./
COPY faceitbot ./faceitbot
COPY sql ./sql
RUN pip install --no-cache-dir .

FROM python:3.12-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin faceitbot
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY run.py ./
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 HEALTH_PORT=8081 PORT=8080 LOG_FORMAT=json
USER faceitbot
EXPOSE 8080 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['HEALTH_PORT'], timeout=2)"
# SIGTERM is the graceful stop (exit 0 within 10 s); give it that long.
STOPSIGNAL SIGTERM
CMD ["python", "run.py"]
