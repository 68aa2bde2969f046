package scraper

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/corpustest"
)

func TestParseName(t *testing.T) {
	jan2026 := time.Date(2026, 1, 8, 12, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		file               string
		ref                time.Time
		wantDate, wantSlot string
		wantOK             bool
	}{
		"ice am":                       {"participatingAgencies09022025am.xlsx", time.Time{}, "2025-09-02", "am", true},
		"ice pm pending":               {"pendingAgencies11032025pm.xlsx", time.Time{}, "2025-11-03", "pm", true},
		"ice mid":                      {"pendingAgencies10172025mid.xlsx", time.Time{}, "2025-10-17", "mid", true},
		"suffix amB":                   {"participatingAgencies05122025amB.xlsx", time.Time{}, "2025-05-12", "amb", true},
		"suffix am_b":                  {"pendingAgencies07112025am_b.xlsx", time.Time{}, "2025-07-11", "amb", true},
		"suffix pm2":                   {"participatingAgencies10292025pm2.xlsx", time.Time{}, "2025-10-29", "pm2", true},
		"no suffix":                    {"participatingAgencies10292025.xlsx", time.Time{}, "2025-10-29", "", true},
		"capitalised prefix":           {"ParticipatingAgencies03062025am.xlsx", time.Time{}, "2025-03-06", "am", true},
		"287g prefix six digits":       {"287gParticipatingAgencies090225.xlsx", time.Time{}, "2025-09-02", "", true},
		"singular":                     {"ParticipatingAgency10012025am.xlsx", time.Time{}, "2025-10-01", "am", true},
		"pending singular":             {"PendingAgency10012025pm.xlsx", time.Time{}, "2025-10-01", "pm", true},
		"wayback":                      {"participatingAgencies-20250221214937.xlsx", time.Time{}, "2025-02-21", "", true},
		"archive copy":                 {"participatingAgencies06112025pm copy.xlsx", time.Time{}, "2025-06-11", "pm", true},
		"extra digit":                  {"participatingAgencies090022025am.xlsx", time.Time{}, "2025-09-02", "am", true},
		"month typo":                   {"participatingAgencies08022025pm.xlsx", time.Time{}, "2025-09-02", "pm", true},
		"transposed":                   {"pendingAgencies10223025am.xlsx", time.Time{}, "2025-10-23", "am", true},
		"repeated digit":               {"participatingAgencies11114025am.xlsx", time.Time{}, "2025-11-14", "am", true},
		"old year seen in 2026":        {"participatingAgencies01052025pm.xlsx", jan2026, "2026-01-05", "pm", true},
		"old year, ref long after":     {"participatingAgencies01052025pm.xlsx", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "2025-01-05", "pm", true},
		"next year typed in december":  {"participatingAgencies12292026am.xlsx", time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), "2025-12-29", "am", true},
		"unknown extra digit":          {"pendingAgencies120312025am.xlsx", time.Date(2025, 12, 3, 0, 0, 0, 0, time.UTC), "2025-12-03", "am", true},
		"unknown transposition":        {"pendingAgencies12023025am.xlsx", time.Date(2025, 12, 3, 0, 0, 0, 0, time.UTC), "2025-12-03", "am", true},
		"corpus name":                  {"2025-09-02pm_participatingAgencies08022025pm.xlsx", time.Time{}, "2025-09-02", "pm", true},
		"corpus name keeps finer slot": {"2025-05-12am_participatingAgencies05122025amB.xlsx", time.Time{}, "2025-05-12", "amb", true},
		"corpus wayback":               {"2025-02-21_pendingAgencies-20250221214937.xlsx", time.Time{}, "2025-02-21", "", true},
		"path given":                   {"/tmp/x/participatingAgencies09022025am.xlsx", time.Time{}, "2025-09-02", "am", true},
		"no date":                      {"pendingAgencies.xlsx", time.Time{}, "", "", false},
		"other file":                   {"287gFactSheet.pdf", time.Time{}, "", "", false},
		"file-download id":             {"1234", time.Time{}, "", "", false},
		"impossible date":              {"participatingAgencies13452025am.xlsx", time.Time{}, "", "", false},
		"empty":                        {"", time.Time{}, "", "", false},
	} {
		t.Run(name, func(t *testing.T) {
			d, s, ok := ParseName(c.file, c.ref)
			if d != c.wantDate || s != c.wantSlot || ok != c.wantOK {
				t.Errorf("ParseName(%q): got %q, %q, %v; want %q, %q, %v", c.file, d, s, ok, c.wantDate, c.wantSlot, c.wantOK)
			}
		})
	}
}

func TestSlotOrder(t *testing.T) {
	order := []string{"", "am", "amb", "mid", "pm", "pm2", "b"}
	for i := 1; i < len(order); i++ {
		if a, b := SlotOrder(order[i-1]), SlotOrder(order[i]); a >= b {
			t.Errorf("SlotOrder(%q)=%d, SlotOrder(%q)=%d: want the first lower", order[i-1], a, order[i], b)
		}
	}
	if SlotOrder("AM") != SlotOrder("am") {
		t.Errorf("SlotOrder is case-sensitive: got %d and %d", SlotOrder("AM"), SlotOrder("am"))
	}
}

// readTSV returns a TSV's rows as maps by header name.
func readTSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var header []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = cols
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(cols) {
				row[h] = cols[i]
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return rows
}

var corpusPrefix = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(am|mid|pm)?_(.+)$`)

// TestParseNameCorpus checks every name in the corpus: the corpus name
// itself, and ICE's original name (seen at the commit time), against the
// date the corpus prefix holds.
func TestParseNameCorpus(t *testing.T) {
	dir := corpustest.Dir(t)
	rows := readTSV(t, filepath.Join(dir, "manifest.tsv"))
	if len(rows) < 300 {
		t.Fatalf("manifest: got %d rows, want the whole corpus", len(rows))
	}
	for _, row := range rows {
		name := row["filename"]
		m := corpusPrefix.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("%s: not a corpus name", name)
			continue
		}
		wantDate, wantSlot := m[1], m[2]
		d, s, ok := ParseName(name, time.Time{})
		if !ok || d != wantDate || slotBase(s) != wantSlot {
			t.Errorf("ParseName(%q): got %q, %q, %v; want %q, %q…", name, d, s, ok, wantDate, wantSlot)
		}
		ref, err := time.Parse(time.RFC3339, row["commit_date"])
		if err != nil {
			t.Fatalf("%s: commit_date %q: %v", name, row["commit_date"], err)
		}
		orig := m[3]
		d, s, ok = ParseName(orig, ref)
		if !ok || d != wantDate || slotBase(s) != wantSlot {
			t.Errorf("ParseName(%q, %s): got %q, %q, %v; want %q, %q…", orig, ref.Format(time.DateOnly), d, s, ok, wantDate, wantSlot)
		}
	}
}

// TestParseNameArchivedNames reads every other name the corpus's bytes
// were archived under: each must parse to a real date of the program's
// years (the same bytes carried many dates, so no single truth).
func TestParseNameArchivedNames(t *testing.T) {
	dir := corpustest.Dir(t)
	var n int
	for _, row := range readTSV(t, filepath.Join(dir, "name_notes.tsv")) {
		for _, name := range strings.Split(row["all_names_this_content_was_archived_under"], "|") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			n++
			d, _, ok := ParseName(name, time.Time{})
			if name == "pendingAgencies.xlsx" {
				if ok {
					t.Errorf("ParseName(%q): got %q, want no date", name, d)
				}
				continue
			}
			pd, err := time.Parse(time.DateOnly, d)
			if !ok || err != nil || pd.Year() < 2025 || pd.Year() > 2026 {
				t.Errorf("ParseName(%q): got %q, %v; want a 2025-2026 date", name, d, ok)
			}
		}
	}
	if n < 100 {
		t.Errorf("archived names: got %d, want the notes' hundreds", n)
	}
}

func TestFileName(t *testing.T) {
	u, _ := url.Parse("https://www.ice.gov/doclib/about/offices/ero/287g/participatingAgencies09022025am.xlsx?x=1")
	dl, _ := url.Parse("https://www.ice.gov/file-download/download/public/1234")
	for name, c := range map[string]struct {
		cd   string
		u    *url.URL
		want string
	}{
		"from the url":              {"", u, "participatingAgencies09022025am.xlsx"},
		"file-download without one": {"", dl, "1234"},
		"quoted":                    {`attachment; filename="pendingAgencies10012025pm.xlsx"`, dl, "pendingAgencies10012025pm.xlsx"},
		"unquoted":                  {`attachment; filename=pendingAgencies10012025pm.xlsx`, dl, "pendingAgencies10012025pm.xlsx"},
		"rfc 5987":                  {`attachment; filename*=UTF-8''participating%20Agencies10012025am.xlsx`, dl, "participating Agencies10012025am.xlsx"},
		"both, extended wins":       {`attachment; filename="fallback.xlsx"; filename*=UTF-8''real.xlsx`, dl, "real.xlsx"},
		"malformed, salvaged":       {`attachment; filename=participating Agencies.xlsx; size=1`, dl, "participating Agencies.xlsx"},
		"path stripped":             {`attachment; filename="../../etc/passwd"`, dl, "passwd"},
		"inline":                    {`inline; filename="x.xlsx"`, dl, "x.xlsx"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := fileName(c.cd, c.u); got != c.want {
				t.Errorf("fileName(%q): got %q, want %q", c.cd, got, c.want)
			}
		})
	}
}

func BenchmarkParseName(b *testing.B) {
	ref := time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC)
	names := []string{"participatingAgencies09022025am.xlsx", "2025-05-12am_participatingAgencies05122025amB.xlsx",
		"pendingAgencies-20250221214937.xlsx", "participatingAgencies01052025pm.xlsx", "pendingAgencies12023025am.xlsx"}
	for i := 0; b.Loop(); i++ {
		ParseName(names[i%len(names)], ref)
	}
}
