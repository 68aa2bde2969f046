package geo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/sheet"
)

// placeholder are COUNTY values that name no county, as words joins them.
var placeholder = map[string]bool{"na": true, "n a": true, "n": true, "county": true, "none": true}

// TestCorpusCountyShare measures how many of the real lists' records get a
// county, and keeps the latest participating list above a floor: a change
// to the matching that loses counties fails here. Measured 2026-11-30 on
// the 2026-03-02 participating list: 1,255 of 1,499 records (83.7%), and
// 1,254 of the 1,258 with a usable COUNTY value (the other four name a
// county of another state or none: "Bowie County" for Texarkana,
// Arkansas; "Fall County"). The rest are mostly Florida's city police
// departments, listed without a county, and state agencies. The log lines
// say more: go test -v -run CorpusCountyShare ./geo/
func TestCorpusCountyShare(t *testing.T) {
	dir := corpustest.Dir(t)
	files := corpustest.Manifest(t, dir)
	var all, allOK int
	latest := map[string]corpustest.File{}
	for _, f := range files {
		latest[f.Kind] = f // the manifest is in chronological order
	}
	for _, f := range files {
		if (raceEnabled || testing.Short()) && latest[f.Kind].Name != f.Name {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		parsed, err := sheet.Parse(b)
		if err != nil {
			continue // a corrupt file is sheet's test, not this one
		}
		n, ok := 0, 0
		withColumn, columnOK := 0, 0
		for i := range parsed.Records {
			r := &parsed.Records[i]
			n++
			_, found := RecordCounty(r)
			if found {
				ok++
			}
			if col := words(r.Extra[CountyColumn]); len(col) > 0 && !placeholder[strings.Join(col, " ")] {
				withColumn++
				if found {
					columnOK++
				}
			}
		}
		all += n
		allOK += ok
		if latest[f.Kind].Name == f.Name && n > 0 {
			share := float64(ok) / float64(n)
			t.Logf("latest %s list %s: %d of %d records have a county (%.1f%%); %d of the %d with a COUNTY value", f.Kind, f.Name, ok, n, 100*share, columnOK, withColumn)
			// Most of the rest are Florida's city police departments,
			// which ICE lists without a county, and state agencies.
			if f.Kind == string(sheet.Participating) && share < 0.80 {
				t.Errorf("got %.1f%% of the latest participating list with a county, want at least 80%%", 100*share)
			}
			if withColumn > 0 && float64(columnOK) < 0.98*float64(withColumn) {
				t.Errorf("got %d of %d records with a COUNTY value matched, want at least 98%%", columnOK, withColumn)
			}
		}
	}
	if all > 0 {
		t.Logf("every corpus record: %d of %d have a county (%.1f%%)", allOK, all, 100*float64(allOK)/float64(all))
	}
}
