package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// TestLastSuccess: the last successful check is kept in its own key,
// written in the cycle's commit, so it survives a reopen and any number of
// failed checks after it.
func TestLastSuccess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s := openAt(t, path)
	if got, err := s.LastSuccess(ctx); err != nil || !got.IsZero() {
		t.Fatalf("empty store: got %v (%v), want the zero time", got, err)
	}
	ok1 := t0.Add(time.Minute)
	commit(t, s, Cycle{At: ok1, Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 5))},
		Checks: []Check{{At: ok1, URL: "https://www.ice.gov/287g", Outcome: CheckDownloaded}}})
	if got, _ := s.LastSuccess(ctx); !got.Equal(ok1) {
		t.Errorf("after a download: got %v, want %v", got, ok1)
	}
	// A hundred failures later (more than any fixed window of checks).
	for i := range 100 {
		at := ok1.Add(time.Duration(i+1) * time.Minute)
		if err := s.RecordChecks(ctx, []Check{{At: at, URL: "https://www.ice.gov/287g", Outcome: CheckError, Error: "boom"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.LastSuccess(ctx); !got.Equal(ok1) {
		t.Errorf("after 100 failures: got %v, want %v", got, ok1)
	}
	if at, msg, _ := s.LastError(ctx); !at.Equal(ok1.Add(100*time.Minute)) || msg != "boom" {
		t.Errorf("last error: got %v %q, want %v boom", at, msg, ok1.Add(100*time.Minute))
	}
	// A check arriving late (older than the last success) does not move it back.
	if err := s.RecordChecks(ctx, []Check{{At: t0, URL: "u", Outcome: CheckNotModified}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	if got, _ := s.LastSuccess(ctx); !got.Equal(ok1) {
		t.Errorf("after reopening: got %v, want %v", got, ok1)
	}
	ok2 := ok1.Add(time.Hour)
	if err := s.RecordChecks(ctx, []Check{{At: ok2, URL: "u", Outcome: CheckNotModified}}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LastSuccess(ctx); !got.Equal(ok2) {
		t.Errorf("after a 304: got %v, want %v", got, ok2)
	}
}

// TestCheckRetention: checks older than CheckRetention before the newest
// are pruned, but never the newest CheckKeep.
func TestCheckRetention(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	record := func(from time.Time, n int, step time.Duration) {
		t.Helper()
		var cs []Check
		for i := range n {
			cs = append(cs, Check{At: from.Add(time.Duration(i) * step), URL: "u", Outcome: CheckNotModified})
		}
		if err := s.RecordChecks(ctx, cs, nil); err != nil {
			t.Fatal(err)
		}
	}
	// 1,500 checks an hour apart: 62 days, all in one go.
	record(t0, 1500, time.Hour)
	got, err := s.Checks(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != CheckKeep {
		t.Errorf("after 62 days of hourly checks: got %d kept, want the newest %d", len(got), CheckKeep)
	}
	if newest := t0.Add(1499 * time.Hour); !got[0].At.Equal(newest) {
		t.Errorf("newest: got %v, want %v", got[0].At, newest)
	}
	// 3,000 more a minute apart (about 2 days): all within retention.
	record(t0.Add(1500*time.Hour), 3000, time.Minute)
	got, _ = s.Checks(ctx, 0)
	if want := 3000 + CheckKeep; len(got) > want || len(got) < 3000 {
		t.Errorf("after a burst: got %d kept, want between 3000 and %d", len(got), want)
	}
	oldest := got[len(got)-1].At
	if newest := got[0].At; newest.Sub(oldest) > CheckRetention && len(got) > CheckKeep {
		t.Errorf("kept checks from %v to %v: more than %v and more than %d", oldest, newest, CheckRetention, CheckKeep)
	}
	if got, _ := s.Checks(ctx, 10); len(got) != 10 {
		t.Errorf("limit 10: got %d", len(got))
	}
}

// TestLastSuccessSeededOnUpgrade: a store from before schema 2 has checks
// but no last_success key; the migration finds it among the checks.
func TestLastSuccessSeededOnUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s := openAt(t, path)
	ok := t0.Add(time.Minute)
	if err := s.RecordChecks(ctx, []Check{{At: ok, URL: "u", Outcome: "unchanged"}, {At: ok.Add(time.Minute), URL: "u", Outcome: CheckError, Error: "boom"}}, nil); err != nil {
		t.Fatal(err)
	}
	// Make it a schema-1 store again.
	err := s.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		for _, k := range []string{metaUserless(metaLastSuccess), metaUserless(metaLastError)} {
			if err := m.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return m.Put([]byte(metaSchema), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	if got, _ := s.LastSuccess(ctx); !got.Equal(ok) {
		t.Errorf("got %v, want %v", got, ok)
	}
}
