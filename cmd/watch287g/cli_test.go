package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/corpustest"
)

// cliResult is what one in-process run of the command line produced.
type cliResult struct {
	stdout, stderr string
	err            error
}

// runCLI runs the command line in-process, as main would.
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	err := run(ctx, args, strings.NewReader(""), &out, &errb)
	return cliResult{stdout: out.String(), stderr: errb.String(), err: err}
}

// mustRun runs the command line and fails the test on error.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := runCLI(t, args...)
	if r.err != nil {
		t.Fatalf("watch287g %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

// decodeJSON decodes a command's JSON output into v.
func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode JSON output: %v\n%s", err, s)
	}
}

// writeConfig writes a configuration file for a test and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "watch287g.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// corpusDir returns ../shared/corpus beside the repository, or skips.
func corpusDir(t testing.TB) string { return corpustest.Dir(t) }
