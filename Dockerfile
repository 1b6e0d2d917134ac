# syntax=docker/dockerfile:1
# wapzi-homolog in a container: a static (musl) binary on distroless, run as
# a non-root user. The shipped checks are built into the binary: in an
# empty folder `run` runs them; mount a folder with your own checks/ to
# run those.
#
#   docker build -t wapzi-homolog .                 # the runtime image (last stage)
#   docker build --target ci -t wapzi-homolog:ci .  # with a shell, for GitLab CI jobs
#   docker run --rm --user "$(id -u):$(id -g)" -e WAPZI_API_KEY -e WAPZI_ENTRY_POINT_ID -v "$PWD:/work" wapzi-homolog run

FROM rust:1-alpine AS build
# Alpine's package versions change with each Alpine release of the rust
# image: pinning musl-dev would break the build at the next one.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
# On Alpine the Rust target is musl, linked statically.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && cp target/release/wapzi-homolog /wapzi-homolog \
    && mkdir /work

# For GitLab CI: its jobs run a shell script in the image, and distroless's
# debug variant carries busybox's sh.
FROM gcr.io/distroless/static-debian12:debug-nonroot AS ci
COPY --from=build /wapzi-homolog /usr/local/bin/wapzi-homolog
COPY --from=build --chown=65532:65532 /work /work
WORKDIR /work
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/wapzi-homolog"]
CMD ["run"]

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /wapzi-homolog /usr/local/bin/wapzi-homolog
COPY --from=build --chown=65532:65532 /work /work
WORKDIR /work
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/wapzi-homolog"]
CMD ["run"]
