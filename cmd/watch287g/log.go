package main

import (
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"
)

// newLogger logs text on a terminal and JSON otherwise (for log
// collectors). The long-running serve logs at info; one-shot commands print
// their own results, so their logs stop at warnings.
func newLogger(w io.Writer, command string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	if command == "serve" {
		opts.Level = slog.LevelInfo
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
