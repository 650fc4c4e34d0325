# syntax=docker/dockerfile:1.7
# check=skip=JSONArgsRecommended
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod,sharing=locked \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download
RUN --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. <<EOF
set -eu
CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/server ./cmd/server
EOF

FROM alpine:3.20
RUN <<-EOT sh
	apk add --no-cache ca-certificates tzdata
	addgroup -S app && adduser -S -G app app
	EOT
COPY <<'CONF' <<NOTICE /etc/server/
listen: :8080
home: $HOME
CONF
Built with heredocs.
NOTICE
COPY --from=build --link /out/server /usr/local/bin/server
RUN --mount=type=secret,id=api_token,env=API_TOKEN,required=true \
    test -n "$API_TOKEN"
ONBUILD COPY . /app
EXPOSE 8080 9090-9091/udp
ENTRYPOINT ["/usr/local/bin/server"]
