package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// TestOpenRefusesDamagedFiles: a damaged file ends in one clear ErrCorrupt
// line, never a SIGSEGV inside bbolt nor a fresh empty store, and its bytes
// are left as they were.
func TestOpenRefusesDamagedFiles(t *testing.T) {
	// A real store, big enough that half of it cuts through used pages.
	good := filepath.Join(t.TempDir(), "good.db")
	s := openAt(t, good)
	var recs []sheet.Record
	for i := range 3000 {
		recs = append(recs, rec(i))
	}
	commit(t, s, Cycle{At: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Inputs: []Input{input(t, sheet.Participating, "2026-01-02", records(recs...))}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) < 64<<10 {
		t.Fatalf("test store is %d bytes, want more than 64 KiB so the cuts lose data", len(whole))
	}
	junk := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(r.UintN(256))
	}
	tests := map[string]struct {
		body []byte
		want string
	}{
		"half":      {whole[:len(whole)/2], "truncated"},
		"8 KiB":     {whole[:8<<10], "truncated"},
		"0 bytes":   {[]byte{}, "empty"},
		"junk":      {junk, "no valid bbolt meta page"},
		"odd size":  {whole[:len(whole)-100], "not a whole number"},
		"one byte":  {whole[:1], "no valid bbolt meta page"},
		"text file": {[]byte("hello, this is not a database\n"), "no valid bbolt meta page"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.db")
			if err := os.WriteFile(path, tc.body, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				s, err := Open(path, Options{ReadOnly: ro, Parse: testParse, Logger: slog.New(slog.DiscardHandler)})
				if err == nil {
					s.Close()
					t.Fatalf("read-only %v: got a store, want ErrCorrupt", ro)
				}
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("read-only %v: got %v, want ErrCorrupt", ro, err)
				}
				if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") || !strings.Contains(msg, path) {
					t.Errorf("read-only %v: got %q, want one line naming the file and saying %q", ro, msg, tc.want)
				}
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, tc.body) {
				t.Errorf("file changed: got %d bytes, want the %d it had", len(after), len(tc.body))
			}
		})
	}
	t.Run("intact", func(t *testing.T) {
		s := openAt(t, good)
		if _, err := s.Latest(context.Background(), sheet.Participating); err != nil {
			t.Errorf("latest of the intact store: %v", err)
		}
	})
	t.Run("absent is created", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.db")
		openAt(t, path)
		if _, err := os.Stat(path); err != nil {
			t.Errorf("got %v, want a new file", err)
		}
	})
}

// TestDamagedPageIsErrCorrupt: a file whose shape is right but whose pages
// are damaged (as a bad sector leaves them) makes verify, which reads
// every page, fail with ErrCorrupt instead of killing the process.
func TestDamagedPageIsErrCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	s := openAt(t, path)
	var recs []sheet.Record
	for i := range 2000 {
		recs = append(recs, rec(i))
	}
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2026-01-02", records(recs...))}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite the second quarter: the metas still validate, and the
	// meta bucket that Open reads survives, but much of the tree is gone.
	const page = 4096
	for i := len(whole) / 4 / page * page; i < len(whole)/2; i++ {
		whole[i] = 0xff
	}
	if err := os.WriteFile(path, whole, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{ReadOnly: true, Parse: testParse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open: got %v, want the damage found only by reading", err)
	}
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Verify(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("verify: got %v, want ErrCorrupt", err)
	}
}
