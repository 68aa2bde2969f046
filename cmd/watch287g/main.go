// Command watch287g watches ICE's list of 287(g) agreements, archives every
// file ICE publishes, and tells people exactly what changed.
//
// Usage:
//
//	watch287g [--db PATH] [--config FILE] <command> [flags]
//
// See README.md for the commands and docs/ for the details.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
)

// errQuarantined is returned by fetch and import when a snapshot was
// quarantined; main turns it into exit status 3.
var errQuarantined = errors.New("a snapshot was quarantined")

// errUsage marks a command line that does not parse; the message already
// says what is wrong.
var errUsage = errors.New("usage")

// app is what every subcommand receives: the global flags and the process's
// streams, so tests can run commands in-process.
type app struct {
	db         string
	configPath string
	server     string
	cmd        string // the subcommand's name, for messages
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	log        *slog.Logger
	now        func() time.Time
}

type command struct {
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// commands lists every subcommand; each lives in its own file.
var commands = map[string]command{
	"serve":      {"scheduler + HTTP server (the main job)", runServe},
	"fetch":      {"one fetch cycle now, then deliver the outbox", runFetch},
	"import":     {"import spreadsheets you already have, in published order", runImport},
	"backfill":   {"every list the Wayback Machine archived, imported in published order", runBackfill},
	"parse":      {"print one spreadsheet's records (no database)", runParse},
	"diff":       {"diff two files, or two snapshot ids", runDiff},
	"changes":    {"list changes with filters", runChanges},
	"agreements": {"the list now, or --at DATE|SNAPSHOT", runAgreements},
	"history":    {"the timeline of every agreement whose agency matches", runHistory},
	"snapshots":  {"every snapshot with its status", runSnapshots},
	"accept":     {"release a quarantined snapshot", runAccept},
	"export":     {"original files, manifests, CSVs, SQLite and MOA PDFs into a new directory", runExport},
	"verify":     {"re-hash every archived file", runVerify},
	"config":     {"config check: validate the configuration", runConfig},
	"notify":     {"notify test: send a sample through each channel", runNotify},
	"outbox":     {"list pending and failed deliveries; outbox retry ID", runOutbox},
	"documents":  {"the archived MOA PDFs; documents fetch: one round now; documents read FILE: one PDF's fields; documents search QUERY: their text", runDocuments},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	// The error is one line: names from outside (a file name, an agency)
	// it quotes cannot break it or reach the terminal as control codes.
	switch {
	case err == nil:
	case errors.Is(err, errQuarantined):
		fmt.Fprintln(os.Stderr, "watch287g:", escape.Terminal(err.Error()))
		os.Exit(3)
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	default:
		fmt.Fprintln(os.Stderr, "watch287g:", escape.Terminal(err.Error()))
		os.Exit(1)
	}
}

// run parses the global flags and runs one subcommand.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	fs := flag.NewFlagSet("watch287g", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&a.db, "db", envOr("WATCH287G_DB", "watch287g.db"), "database `path`")
	fs.StringVar(&a.configPath, "config", os.Getenv("WATCH287G_CONFIG"), "configuration `file` (optional)")
	// The usage screen is for -h; a wrong flag is one line.
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	if errors.Is(err, flag.ErrHelp) {
		usage(stderr, fs)
		return err
	}
	if err != nil {
		return fmt.Errorf("%w: %v (run watch287g -h for the list)", errUsage, err)
	}
	if fs.NArg() == 0 {
		usage(stderr, fs)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	name := fs.Arg(0)
	cmd, ok := commands[name]
	if !ok {
		return fmt.Errorf("%w: unknown command %q (run watch287g -h for the list)", errUsage, name)
	}
	a.cmd = name
	a.log = newLogger(stderr, name)
	if err := cmd.run(ctx, a, fs.Args()[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) || errors.Is(err, errQuarantined) {
			return err
		}
		// The command's name is said once, here. A package that names
		// its operation the same way (the tracker's "fetch: …") is not
		// prefixed again.
		if strings.HasPrefix(err.Error(), name+": ") {
			return err
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: watch287g [--db PATH] [--config FILE] <command> [flags]")
	fmt.Fprintln(w, "\nglobal flags:")
	fs.PrintDefaults()
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// newFlagSet returns a subcommand's flag set, writing usage to the app's
// stderr. synopsis is what follows the flags on the usage line ("QUERY",
// "OLD NEW"), empty for none.
func (a *app) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("watch287g "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		line := "usage: watch287g " + name + " [flags]"
		if synopsis != "" {
			line += " " + synopsis
		}
		fmt.Fprintln(a.stderr, line)
		fmt.Fprintln(a.stderr, "\nflags (anywhere on the line; -- ends them):")
		fs.PrintDefaults()
	}
	return fs
}
