# repoclosure in a container: the static binary, a CA bundle and the licenses,
# nothing else (no shell, no libc, no dnf). Build with `make image`.
#
#   docker run --rm repoclosure --repofrompath base,https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/ --repo base
#   docker run --rm -v "$PWD/repos:/repos:ro" repoclosure --repofrompath local,/repos/local --repo local
FROM docker.io/library/golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
        -o /out/usr/local/bin/repoclosure ./cmd/repoclosure \
    && bash build/licenses.sh /out/usr/share/licenses/repoclosure \
    && install -D -m 0644 /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt \
    && install -d -m 1777 /out/tmp

FROM scratch
COPY --from=build /out/ /
# No home directory: the metadata cache goes to /tmp/cache (mount a volume
# there to keep it between runs).
ENV PATH=/usr/local/bin XDG_CACHE_HOME=/tmp/cache
USER 65532:65532
ENTRYPOINT ["repoclosure"]
