# odcat with the on-disk RDF store. Build: docker build -t odcat .
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends clang libclang-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --features rocksdb --bin odcat

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/odcat --create-home odcat
COPY --from=build /src/target/release/odcat /usr/local/bin/odcat
USER odcat
WORKDIR /var/lib/odcat
ENV ODCAT_DATA_DIR=/var/lib/odcat/data \
    ODCAT_BIND=0.0.0.0:8080 \
    ODCAT_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/var/lib/odcat/data"]
ENTRYPOINT ["odcat"]
CMD ["serve"]
