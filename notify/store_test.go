package notify

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// openStore opens a real bbolt store in the test's temporary directory:
// the notifier's tests run on the outbox production uses.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return st
}

// lists publishes files to a real store, so that the changes and outbox
// deliveries a test drains are the ones Commit writes.
type lists struct {
	st    *store.Store
	files int
	recs  map[sheet.List][]sheet.Record
}

func newLists(t *testing.T) *lists {
	return &lists{st: openStore(t), recs: map[sheet.List][]sheet.Record{}}
}

// publish commits one file of list holding recs at at, with deliveries
// for recipients; the list's first file is a baseline that announces
// nothing. It returns the changes the file brought.
func (l *lists) publish(t *testing.T, at time.Time, list sheet.List, recs []sheet.Record, recipients []store.Recipient) []diff.Change {
	t.Helper()
	l.files++
	recs = append([]sheet.Record(nil), recs...)
	for i := range recs {
		recs[i].Row = i + 2
	}
	l.recs[list] = recs
	day := at.UTC().Format(time.DateOnly)
	in := store.Input{
		Source: "test", Name: fmt.Sprintf("%sAgencies%03d.xlsx", list, l.files),
		Body: []byte(fmt.Sprintf("file %d", l.files)), Parsed: &sheet.File{List: list, Records: recs},
		Published: day, SeenAt: at,
	}
	res, err := l.st.Commit(context.Background(), store.Cycle{At: at, Inputs: []store.Input{in}, Recipients: recipients})
	if err != nil {
		t.Fatalf("commit file %d: %v", l.files, err)
	}
	return res.Changes
}

// add publishes the list's current records plus recs: one added change
// per record (after a baseline holding base, when the list is new).
func (l *lists) add(t *testing.T, at time.Time, recipients []store.Recipient, recs ...sheet.Record) []diff.Change {
	t.Helper()
	list := sheet.Participating
	if _, ok := l.recs[list]; !ok {
		l.publish(t, at.Add(-time.Hour), list, []sheet.Record{*rec("WY", "Baseline County Sheriff", sheet.JailEnforcement, "2020-01-01")}, nil)
	}
	return l.publish(t, at, list, append(l.recs[list], recs...), recipients)
}

// deliveries returns the store's deliveries in state ("" for all).
func (l *lists) deliveries(t *testing.T, state string) []store.Delivery {
	t.Helper()
	ds, err := l.st.Deliveries(context.Background(), state)
	if err != nil {
		t.Fatalf("deliveries: %v", err)
	}
	return ds
}

// alerts returns the alert deliveries of kind ("" for every kind).
func (l *lists) alerts(t *testing.T, kind string) []store.Delivery {
	t.Helper()
	var out []store.Delivery
	for _, d := range l.deliveries(t, "") {
		if d.Alert != nil && (kind == "" || string(d.Alert.Kind) == kind) {
			out = append(out, d)
		}
	}
	return out
}

// agencies builds n participating records in state.
func agencies(state string, n int) []sheet.Record {
	out := make([]sheet.Record, n)
	for i := range out {
		out[i] = *rec(state, fmt.Sprintf("Agency %03d Police Department", i), sheet.TaskForce, "2026-02-01")
	}
	return out
}
