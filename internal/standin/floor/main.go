// Command floor serves one file's bytes to every GET, with nothing else
// done per request: the floor of what any Go HTTP server answering with
// those bytes reaches on this machine at this moment. scripts/bench-load.sh
// measures it next to serve, so a figure missed under a loaded machine
// can be told from one the server misses.
//
//	go run ./internal/standin/floor -listen 127.0.0.1:PORT -body FILE
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	bodyFile := flag.String("body", "", "the file whose bytes every request gets")
	contentType := flag.String("type", "text/html; charset=utf-8", "the Content-Type sent")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		slog.Error("floor", slog.Any("error", fmt.Errorf("read body: %w", err)))
		os.Exit(1)
	}
	length := strconv.Itoa(len(body))
	srv := &http.Server{
		Addr:              *listen,
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", *contentType)
			w.Header().Set("Content-Length", length)
			_, _ = w.Write(body)
		}),
	}
	if err := srv.ListenAndServe(); err != nil {
		slog.Error("floor", slog.Any("error", err))
		os.Exit(1)
	}
}
