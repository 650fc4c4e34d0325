# syntax=docker/dockerfile:1
# escape=\
ARG A=1 B
FROM busybox:${A:-latest} AS base
ENV X=${A:-y} Y="$A" \
    Z=${A/1/2} W=${A:+set} V=${EMPTY-unset} U=${A#1} T=${HOME%/*}
LABEL a="" b='$A' c=${A}${A}
WORKDIR /w/$X
USER 1000:${A}
EXPOSE 80/tcp ${A}
VOLUME ["/v", "/w"]
COPY --from=base --chmod=0755 a* /dst/
ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 http://x/y /z
RUN --mount=type=cache,target=/c,id=$A --mount=type=bind,from=base,source=/,target=/b <<EOF1 cat
echo "$A"
EOF1
COPY <<-EOT /file
	text
	EOT
HEALTHCHECK --interval=5s --retries=3 CMD ["true"]
ONBUILD RUN echo trigger
STOPSIGNAL SIGTERM
SHELL ["/bin/sh", "-c"]
CMD ["a", "b"]
ENTRYPOINT echo $A
FROM base
