# syntax=docker/dockerfile:1
# dfix in a container: a static binary on distroless, run as a non-root user.
#
#   docker build -t dfix --build-arg VERSION="$(git describe --tags --always)" \
#     --build-arg COMMIT="$(git rev-parse --short HEAD)" .
#   docker run --rm -v "$PWD:/src" dfix --diff .
#   docker run --rm -i dfix - < Dockerfile        # as a filter

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Dependencies first: this layer stays cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/dfix .

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=
LABEL org.opencontainers.image.title="dfix" \
      org.opencontainers.image.description="Find Dockerfile smells and fix them with minimal, byte-exact edits" \
      org.opencontainers.image.source="https://github.com/dfix-dev/dfix" \
      org.opencontainers.image.url="https://github.com/dfix-dev/dfix" \
      org.opencontainers.image.documentation="https://github.com/dfix-dev/dfix#readme" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /out/dfix /usr/local/bin/dfix
WORKDIR /src
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/dfix"]
CMD ["."]
