package diff

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// TestKeyMemo: a memo answers for each name what agencyKey and prepare
// compute from it, whatever it was asked before, and empties itself when
// full rather than grow.
func TestKeyMemo(t *testing.T) {
	m := &keyMemo{keys: map[string]keyed{}, names: map[nameSource]*name{}}
	names := []string{"Harris County Sheriff's Office", "Harris County Sheriffs Office",
		"HARRIS CO. SHERIFF", "Doña Ana County", "Dona Ana County", "Miami-Dade Police Dept.",
		"MT Dept of Justice", "", "   ", "Polk & Lake Counties"}
	for round := range 2 { // the second round reads the memo
		for _, n := range names {
			if got, want := m.key(n), newKeyed(n); got != want {
				t.Fatalf("round %d: key(%q): got %+v, want %+v", round, n, got, want)
			}
			for _, st := range [][2]string{{"TX", "TEXAS"}, {"MT", "MONTANA"}, {"", "TEXSA"}} {
				got, want := m.name(n, st[0], st[1]), prepare(n, st[0], st[1])
				if !reflect.DeepEqual(*got, want) {
					t.Fatalf("round %d: name(%q, %q, %q): got %+v, want %+v", round, n, st[0], st[1], *got, want)
				}
			}
		}
	}
	// The state is part of what a name is prepared from: the same agency
	// in another state keeps its own core.
	if a, b := m.name("MT Dept of Justice", "MT", "MONTANA"), m.name("MT Dept of Justice", "TX", "TEXAS"); a.core == b.core {
		t.Errorf("core in MT and TX: both %q, want them to differ", a.core)
	}
	long := strings.Repeat("x", maxMemoBytes/32)
	if got, want := m.key(long), newKeyed(long); got != want {
		t.Errorf("key of a %d-byte name: got %d bytes, want %d", len(long), len(got.key), len(want.key))
	}
	if _, ok := m.keys[long]; ok {
		t.Errorf("a %d-byte name was kept", len(long))
	}
	// More names than the memo holds (each costs over 64 bytes).
	emptied, was := false, m.bytes
	for i := range maxMemoBytes / 32 {
		m.key(fmt.Sprintf("Agency %d of a long run of agencies", i))
		if m.bytes > maxMemoBytes {
			t.Fatalf("memo holds %d bytes, want at most %d", m.bytes, maxMemoBytes)
		}
		emptied = emptied || m.bytes < was
		was = m.bytes
	}
	if !emptied {
		t.Errorf("memo of %d bytes never emptied", m.bytes)
	}
	if got, want := m.key(names[0]), newKeyed(names[0]); got != want {
		t.Errorf("after emptying: key(%q): got %+v, want %+v", names[0], got, want)
	}
}

// TestCompareCachesFollowChanges: comparing again with warm caches (the
// memo of canonical names, an IndexCache over the pending list) gives
// the answer of the data as it now is when a record changed under the
// same id and position, never the answer remembered.
func TestCompareCachesFollowChanges(t *testing.T) {
	pending := agreements(rec("TX", "Polk County Sheriff's Office", tfm, "", ""))
	old := agreements(rec("TX", "Harris County Sheriff's Office", tfm, "2025-01-02", ""))
	cur := []sheet.Record{old[0].Record, rec("TX", "Polk County Sheriff's Office", tfm, "2025-03-01", "")}
	var cache IndexCache
	compare := func() *Result {
		t.Helper()
		return Compare(sheet.Participating, old, cur, Options{Pending: pending, PendingIndex: &cache})
	}
	res := compare()
	if len(res.Added) != 1 || res.Added[0].WasPendingSince != "2025-01-01" {
		t.Fatalf("first: got %+v added, want Polk was pending since 2025-01-01", res.Added)
	}
	// The pending record at the same position now names another agency.
	pending = agreements(rec("TX", "Lake County Sheriff's Office", tfm, "", ""))
	if res := compare(); len(res.Added) != 1 || res.Added[0].WasPendingSince != "" {
		t.Fatalf("pending renamed: got %+v added, want Polk not pending", res.Added)
	}
	// The old agreement, same id, now spelled another way: a change, not
	// the exact match its old spelling was.
	old[0].Agency = "Harris County Sheriffs Office Texas"
	res = compare()
	if len(res.Changed) != 1 || res.Changed[0].Match == MatchExact || res.Changed[0].Fields[0] != "agency" {
		t.Fatalf("old renamed: got %+v changed, want one agency change matched by name", res.Changed)
	}
	old[0].Agency = "Harris County Sheriff's Office"
	if res := compare(); len(res.Changed) != 0 || res.Unchanged != 1 {
		t.Fatalf("old renamed back: got %d changed, %d unchanged, want 0 and 1", len(res.Changed), res.Unchanged)
	}
}
