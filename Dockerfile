# syntax=docker/dockerfile:1
# Build a static watch287g binary, then run it as a non-root user with the
# database on the /data volume.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/watch287g ./cmd/watch287g

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/watch287g /usr/local/bin/watch287g
# The database (and nothing else) lives on the volume.
VOLUME /data
ENV WATCH287G_DB=/data/watch287g.db
EXPOSE 8287
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/watch287g"]
CMD ["serve", "--listen", "0.0.0.0:8287"]
