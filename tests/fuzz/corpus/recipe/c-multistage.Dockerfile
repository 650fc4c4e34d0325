# syntax=docker/dockerfile:1
# A C project: build with autotools in one stage, ship the binary alone.
ARG DEBIAN_VERSION=bookworm

FROM debian:${DEBIAN_VERSION} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        build-essential autoconf automake pkg-config \
        # yajl for the JSON parser
        libyajl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY configure.ac Makefile.am autogen.sh ./
COPY --exclude=*.o . .
RUN ./autogen.sh && ./configure --prefix=/usr && make -j"$(nproc)" \
 && make install DESTDIR=/out

FROM build AS test
RUN make check

FROM debian:${DEBIAN_VERSION}-slim
LABEL org.opencontainers.image.title="runc-lite" \
      org.opencontainers.image.licenses="GPL-2.0-or-later"
COPY --from=build --chmod=0755 /out/usr/bin/ /usr/bin/
USER 65534:65534
ENTRYPOINT ["/usr/bin/runc-lite"]
CMD ["--help"]
