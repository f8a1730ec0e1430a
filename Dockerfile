# syntax=docker/dockerfile:1
#
# The claimgraph server image: build the release binary in a full Rust image, run it in a slim one.
#
#   docker build -t claimgraph .
#   docker run -p 8080:8080 -v claimgraph-data:/data claimgraph          # SQLite in /data
#   docker run -p 8080:8080 -e CLAIMGRAPH_DATABASE_URL=postgres://... claimgraph
#
# There is no Docker engine on the project's machines: this file is kept correct by reading it against
# api/src/config.rs, Cargo.toml and rust-toolchain.toml, not by building it.

# --- build --------------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src

# rust-toolchain.toml pins 1.95.0 with rustfmt and clippy; the official image carries rustc and cargo
# only. Installing the pinned toolchain in its own layer keeps that download out of every code change.
# (`rustup toolchain install` with no name installs the one rust-toolchain.toml names; rustup 1.28+.)
COPY rust-toolchain.toml ./
RUN rustup toolchain install

# The whole workspace: cargo reads every member's manifest even when building one package, and the
# binary compiles in seeds/data (include_str!) and api/assets/graphiql (include_bytes!).
# .dockerignore keeps target/, node_modules, databases and .git out.
COPY . .

# The cache mounts keep downloaded crates and compiled dependencies between builds; target/ lives
# only in the cache, so the binary is copied out of it in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p api \
    && cp target/release/claimgraph /usr/local/bin/claimgraph

# --- runtime ------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# ca-certificates: the system's trust roots, for TLS to a managed PostgreSQL. (sqlx's rustls also
# carries its own webpki roots; the system bundle keeps the image right if that ever changes.)
# No curl: see HEALTHCHECK below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# A non-root user that owns /data. The ownership is set before VOLUME, so a new volume mounted there
# starts out owned by this user.
RUN groupadd --system --gid 10001 claimgraph \
    && useradd --system --uid 10001 --gid claimgraph --home-dir /data --no-create-home claimgraph \
    && mkdir /data \
    && chown claimgraph:claimgraph /data

COPY --from=build /usr/local/bin/claimgraph /usr/local/bin/claimgraph

# The default database URL is `sqlite://claimgraph.sqlite?mode=rwc`, relative to the working
# directory, so with no CLAIMGRAPH_DATABASE_URL the SQLite file (and its -wal/-shm files) lands in
# /data/claimgraph.sqlite, on the volume. A new database is migrated and seeded on first start.
WORKDIR /data
VOLUME ["/data"]
USER claimgraph:claimgraph

# The binary listens on 127.0.0.1:8080 by default, which is unreachable from outside a container.
ENV CLAIMGRAPH_LISTEN=0.0.0.0:8080
EXPOSE 8080

# HEALTHCHECK: none. A probe of GET /health would need curl (or wget) in the image, and this image
# stays without them: fewer packages to patch, and orchestrators that need a probe (Kubernetes'
# httpGet, a load balancer) call /health from outside. docker-compose.yml does not health-check the
# api service either.

# Exec form, so claimgraph is PID 1 and receives SIGTERM from `docker stop` directly; it then stops
# accepting and finishes requests in flight. Arguments after the image name replace CMD:
# `docker run claimgraph seed`, `docker run claimgraph migrate down`, `docker run claimgraph --help`.
ENTRYPOINT ["/usr/local/bin/claimgraph"]
CMD ["serve"]
