package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// runNoPanic runs the command line in-process and turns a panic into a
// test failure naming the command, so one broken command cannot hide
// behind another's crash.
func runNoPanic(t *testing.T, args ...string) (r cliResult) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("watch287g %s: panic: %v", strings.Join(args, " "), p)
		}
	}()
	return runCLI(t, args...)
}

// TestEveryCommandHelp runs `watch287g CMD -h` for every command in the
// table (and the subcommands of outbox, notify and config): each prints
// its usage and ends with flag.ErrHelp (exit 0), never a panic. A flag
// defined twice panics when the flag set is built, so this catches it for
// any command added later.
func TestEveryCommandHelp(t *testing.T) {
	var lines [][]string
	for name := range commands {
		lines = append(lines, []string{name})
	}
	lines = append(lines, []string{"outbox", "retry"}, []string{"notify", "test"}, []string{"config", "check"})
	slices.SortFunc(lines, func(a, b []string) int { return strings.Compare(strings.Join(a, " "), strings.Join(b, " ")) })
	db := t.TempDir() + "/none.db"
	for _, cmd := range lines {
		for _, help := range []string{"-h", "--help"} {
			args := append(append([]string{"--db", db}, cmd...), help)
			t.Run(strings.Join(cmd, "_")+help, func(t *testing.T) {
				r := runNoPanic(t, args...)
				if !errors.Is(r.err, flag.ErrHelp) {
					t.Errorf("got error %v, want flag.ErrHelp (exit 0)", r.err)
				}
				if want := "usage: watch287g " + cmd[0]; !strings.Contains(r.stderr, want) {
					t.Errorf("stderr: got %q, want usage text containing %q", r.stderr, want)
				}
				if r.stdout != "" {
					t.Errorf("stdout: got %q, want nothing", r.stdout)
				}
			})
		}
	}
	if r := runNoPanic(t, "-h"); !errors.Is(r.err, flag.ErrHelp) || !strings.Contains(r.stderr, "commands:") {
		t.Errorf("watch287g -h: got %v and stderr %q, want flag.ErrHelp and the command list", r.err, r.stderr)
	}
}

// TestSplitArgs checks the one helper every subcommand parses through:
// flags anywhere, values kept with their flag, booleans taking no value,
// `--` ending the flags.
func TestSplitArgs(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("format", "", "")
	fs.Bool("quiet", false, "")
	for _, c := range []struct {
		name        string
		args        []string
		flags, posn []string
	}{
		{"flags first", []string{"--format", "csv", "a"}, []string{"--format", "csv"}, []string{"a"}},
		{"flags after", []string{"Garrett County", "--format", "csv"}, []string{"--format", "csv"}, []string{"Garrett County"}},
		{"between", []string{"a", "-format=json", "b"}, []string{"-format=json"}, []string{"a", "b"}},
		{"bool takes no value", []string{"--quiet", "dir"}, []string{"--quiet"}, []string{"dir"}},
		{"bool with value", []string{"--quiet=false", "dir"}, []string{"--quiet=false"}, []string{"dir"}},
		{"double dash", []string{"a", "--", "--format", "-x"}, nil, []string{"a", "--format", "-x"}},
		{"lone dash is positional", []string{"-"}, nil, []string{"-"}},
		{"unknown flag stays a flag", []string{"a", "--bogus", "b"}, []string{"--bogus"}, []string{"a", "b"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			flags, pos := splitArgs(fs, c.args)
			if !slices.Equal(flags, c.flags) || !slices.Equal(pos, c.posn) {
				t.Errorf("splitArgs(%q): got flags %q and positional %q, want %q and %q", c.args, flags, pos, c.flags, c.posn)
			}
		})
	}
}

// subcommands are the first word some commands take before their own
// flags and arguments.
var subcommands = map[string][]string{"config": {"check"}, "notify": {"test"}, "documents": {"read"}}

// TestBadFlagOneLine checks that a wrong flag costs one line on stderr
// (the error main prints), not a screen of usage, for every command, and
// that flags are read after a positional argument too (a flag read as
// text would leave the wrong flag unnamed).
func TestBadFlagOneLine(t *testing.T) {
	db := t.TempDir() + "/none.db"
	for name := range commands {
		for _, tail := range [][]string{{"--no-such-flag"}, {"word", "--no-such-flag"}} {
			args := append(append([]string{"--db", db, name}, subcommands[name]...), tail...)
			t.Run(strings.Join(args[2:], "_"), func(t *testing.T) {
				badFlag(t, args)
			})
		}
	}
}

// badFlag runs a command line holding --no-such-flag: one line naming it.
func badFlag(t *testing.T, args []string) {
	t.Helper()
	r := runNoPanic(t, args...)
	if r.err == nil {
		t.Fatalf("got success, want an error")
	}
	if !strings.Contains(r.err.Error(), "no-such-flag") {
		t.Errorf("error: got %q, want it to name the flag", r.err)
	}
	if strings.Contains(r.err.Error(), "\n") {
		t.Errorf("error: got %q, want one line", r.err)
	}
	if r.stderr != "" {
		t.Errorf("stderr besides the error: got %q, want nothing", r.stderr)
	}
}

// repeatedPrefix returns the first "x: x:" in an error message, where a
// caller and a callee both named the operation.
func repeatedPrefix(msg string) string {
	seen := map[string]bool{}
	for _, part := range strings.Split(msg, ": ") {
		if seen[part] {
			return fmt.Sprintf("%s: … %s", part, part)
		}
		seen[part] = true
	}
	return ""
}
