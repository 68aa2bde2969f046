//go:build linux

package store

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// mappedRSS returns the resident kilobytes of this process's mappings of
// path (/proc/self/smaps).
func mappedRSS(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = len(fields) >= 6 && fields[len(fields)-1] == path
			continue
		}
		if in && len(fields) == 3 && fields[0] == "Rss:" {
			n, _ := strconv.Atoi(fields[1])
			total += n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}

// TestReleaseMapped: the pages a read touched are resident until
// ReleaseMapped drops them, and what the store holds reads the same after.
func TestReleaseMapped(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var shas []string
	for i := range 8 {
		res := commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-0"+strconv.Itoa(i+1), span(0, 200+20*i))}})
		shas = append(shas, res.Outcomes[0].Snapshot.SHA256)
	}
	read := func() [][]byte {
		var out [][]byte
		for _, sha := range shas {
			b, err := s.File(ctx, sha)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	before := read()
	if rss := mappedRSS(t, s.Path()); rss == 0 {
		t.Fatalf("no resident pages of %s after reading it", s.Path())
	}
	if err := s.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	if rss := mappedRSS(t, s.Path()); rss != 0 {
		t.Errorf("%d kB of %s resident after ReleaseMapped, want 0", rss, s.Path())
	}
	after := read()
	for i := range before {
		if !bytes.Equal(before[i], after[i]) {
			t.Fatalf("file %s reads differently after ReleaseMapped", shas[i])
		}
	}
}
