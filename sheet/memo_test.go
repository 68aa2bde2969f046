package sheet

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/watch287g/watch287g/internal/corpustest"
)

// TestKeptMemosReadAsFresh parses the corpus in order with the memos kept
// from list to list, then each file again with new memos, and wants the
// same File: a memo entry left from an earlier list must not change a
// later one.
func TestKeptMemosReadAsFresh(t *testing.T) {
	dir := corpustest.Dir(t)
	entries := corpustest.Manifest(t, dir)
	if (testing.Short() || raceEnabled) && len(entries) > 60 {
		entries = entries[:60]
	}
	datas := make([][]byte, len(entries))
	kept := make([]string, len(entries))
	for i, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name))
		if err != nil {
			t.Fatal(err)
		}
		datas[i] = b
		kept[i] = parseJSON(t, b)
	}
	if m := takeMemos(); len(m.dates[0])+len(m.dates[1]) == 0 || len(m.states) == 0 || len(m.links.m) == 0 {
		t.Fatalf("memos not kept after %d parses: %d+%d dates, %d states, %d links", len(entries), len(m.dates[0]), len(m.dates[1]), len(m.states), len(m.links.m))
	}
	for i, e := range entries {
		takeMemos() // drop them: a fresh parse
		if got := parseJSON(t, datas[i]); got != kept[i] {
			t.Errorf("%s: read with kept memos differs from a fresh read", e.Name)
		}
	}
}

func parseJSON(t *testing.T, b []byte) string {
	t.Helper()
	f, err := Parse(b)
	if err != nil {
		return "error: " + err.Error()
	}
	j, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// TestMemosBounded fills each memo past its caps: it empties rather than
// grows, keeps no long key, and answers as the function it memoizes.
func TestMemosBounded(t *testing.T) {
	var m memos
	for i := range 3 * maxMemo {
		v := fmt.Sprintf("%d", 40000+i)
		d, note, err := m.dates[0].read(v, false)
		wd, wnote, werr := signedDate(v, false)
		if d != wd || note != wnote || fmt.Sprint(err) != fmt.Sprint(werr) {
			t.Fatalf("date %s: got %q %q %v, want %q %q %v", v, d, note, err, wd, wnote, werr)
		}
		m.states.read("STATE " + v)
		m.models.read("MODEL " + v)
		m.types.read("TYPE " + v)
		m.links.read("https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2F" + strings.Repeat("x", 1000) + v)
		if len(m.dates[0]) > maxMemo || len(m.states) > maxMemo || len(m.models) > maxMemo || len(m.types) > maxMemo || len(m.links.m) > maxMemo {
			t.Fatalf("after %d keys: %d dates, %d states, %d models, %d types, %d links; cap %d", i+1, len(m.dates[0]), len(m.states), len(m.models), len(m.types), len(m.links.m), maxMemo)
		}
		if m.links.bytes > maxLinkBytes {
			t.Fatalf("links hold %d bytes, cap %d", m.links.bytes, maxLinkBytes)
		}
	}
	long := strings.Repeat("TEXAS ", 100)
	if code, _, _ := m.states.read(long); code != "" {
		t.Errorf("long state name read as %q", code)
	}
	if _, ok := m.states[long]; ok {
		t.Error("a key over maxMemoKey was kept")
	}
	longURL := "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fexample.com%2F" + strings.Repeat("y", maxLinkKey)
	if got := m.links.read(longURL); got != linkURL(unwrapURL(longURL)) {
		t.Errorf("long link read as %q", got)
	}
	if _, ok := m.links.m[longURL]; ok {
		t.Error("a link over maxLinkKey was kept")
	}
	// A memo keeps copies: no key points into the cell text it came from.
	cell := "  Tarrant  County "
	m.types.read(cell)
	for k := range m.types {
		if k == cell && unsafe.StringData(k) == unsafe.StringData(cell) {
			t.Error("a memo key shares the cell's bytes")
		}
	}
}
