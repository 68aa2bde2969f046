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

// file is one published list for commit.
type file struct {
	list      sheet.List
	published string // YYYY-MM-DD
	recs      []sheet.Record
}

// commit commits files as one cycle at at, with deliveries for
// recipients (participating before pending, as the tracker orders them);
// a list's first file is a baseline that announces nothing. It returns
// the changes the cycle brought.
func (l *lists) commit(t *testing.T, at time.Time, recipients []store.Recipient, files ...file) []diff.Change {
	t.Helper()
	var ins []store.Input
	for _, f := range files {
		l.files++
		recs := append([]sheet.Record(nil), f.recs...)
		for i := range recs {
			recs[i].Row = i + 2
		}
		l.recs[f.list] = recs
		ins = append(ins, store.Input{
			Source: "test", Name: fmt.Sprintf("%sAgencies%03d.xlsx", f.list, l.files),
			Body: []byte(fmt.Sprintf("file %d", l.files)), Parsed: &sheet.File{List: f.list, Records: recs},
			Published: f.published, SeenAt: at,
		})
	}
	res, err := l.st.Commit(context.Background(), store.Cycle{At: at, Inputs: ins, Recipients: recipients})
	if err != nil {
		t.Fatalf("commit file %d: %v", l.files, err)
	}
	return res.Changes
}

// publish commits one file of list holding recs, published on at's date.
func (l *lists) publish(t *testing.T, at time.Time, list sheet.List, recs []sheet.Record, recipients []store.Recipient) []diff.Change {
	t.Helper()
	return l.commit(t, at, recipients, file{list, at.UTC().Format(time.DateOnly), recs})
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
func (l *lists) alerts(t *testing.T, kind store.AlertKind) []store.Delivery {
	t.Helper()
	var out []store.Delivery
	for _, d := range l.deliveries(t, "") {
		if d.Alert != nil && (kind == "" || d.Alert.Kind == kind) {
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

// rec builds a participating record.
func rec(state, agency, model, signed string) *sheet.Record {
	return &sheet.Record{State: state, StateName: state, Agency: agency, AgencyRaw: agency, Type: "County",
		Model: model, ModelRaw: model, Signed: signed, MOAURL: "https://www.ice.gov/moa/" + state + ".pdf"}
}

// added is an added change as diff would report it, for tests of pure
// rendering (no outbox involved).
func added(state, agency string) diff.Change {
	return diff.Change{Kind: diff.Added, List: sheet.Participating, AgreementID: "ag-" + state + "-" + agency[:min(3, len(agency))],
		After: rec(state, agency, sheet.TaskForce, "2026-02-10"), AfterPublished: "2026-02-13", BeforePublished: "2026-02-12"}
}
