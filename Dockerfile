# One image for all four services; compose picks the service with its `command`:
#   docker run -e PORT=8002 ... renovation-platform python -m services.funding
# Each service reads PORT, DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, ENVIRONMENT and JWT_SECRET
# from the environment.

FROM python:3.11.13-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml constraints.txt ./
# Dependencies first, in their own layer: rebuilt only when pyproject.toml or constraints.txt
# change. constraints.txt pins every transitive package to what the test suite ran with.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install -r requirements.txt -c constraints.txt
COPY shared ./shared
COPY services ./services
RUN pip install --no-deps -c constraints.txt .

FROM python:3.11.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    ENVIRONMENT=production
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The source tree too, for files that are not Python modules (e.g. Alembic scripts).
COPY shared ./shared
COPY services ./services
USER app
EXPOSE 8001 8002 8003 8004
# No ENTRYPOINT, so `command:` in compose (or arguments to `docker run`) replaces this.
CMD ["python", "-m", "services.registry"]
