// Command replaygen writes years of made-up ICE 287(g) lists, in ICE's
// layouts and file names, to measure watch287g at history lengths the real
// archive has not reached yet (issue 12: ten years is about 7,000 lists).
//
//	go run ./internal/replaygen -out DIR -years 10 -seed 1
//
// Each weekday ICE publishes a participating and a pending list ("am"),
// and on about a third of them a second edition ("pm"). The lists churn as
// the real ones do: agencies enter the pending list and are promoted once
// signed, others sign directly, some terminate, agencies are renamed, a
// day's list mistypes a name or a state that the next list fixes, rows go
// missing for a few days and come back, a row is duplicated, the support
// type changes, and one file drops most of its rows. Output is
// deterministic: the same flags write byte-identical files.
//
// The workbooks are written by hand (as internal/fixturegen writes the
// reader's fixtures): shared strings, Excel serial dates, MOA links as
// hyperlinks through the sheet's relationships, so the binary needs no
// spreadsheet library.
package main

import (
	"archive/zip"
	"cmp"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/internal/xlsxbuild"
)

func main() {
	out := flag.String("out", "replay", "directory to write the lists to")
	years := flag.Int("years", 10, "years of lists to write")
	seed := flag.Uint64("seed", 1, "random seed: the same seed writes the same files")
	start := flag.String("start", "2025-02-21", "the first list's date (YYYY-MM-DD)")
	inflate := flag.String("inflate", "", "instead of writing lists, time inflating every part of every .xlsx in this directory (the floor an import is measured against)")
	flag.Parse()
	if *inflate != "" {
		if err := inflateAll(*inflate); err != nil {
			slog.Error("inflate", slog.Any("error", err))
			os.Exit(1)
		}
		return
	}
	from, err := time.Parse(time.DateOnly, *start)
	if err != nil || *years < 1 || *years > 50 {
		slog.Error("bad flags: -start must be YYYY-MM-DD and -years 1..50", slog.String("start", *start), slog.Int("years", *years))
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		slog.Error("create output directory", slog.Any("error", err))
		os.Exit(1)
	}
	n, bytes, err := generate(*out, from, from.AddDate(*years, 0, 0), *seed)
	if err != nil {
		slog.Error("generate", slog.Any("error", err))
		os.Exit(1)
	}
	fmt.Printf("wrote %d lists, %d bytes, to %s\n", n, bytes, *out)
}

// agreement is one agency's row as the lists show it.
type agreement struct {
	key     int // stable identity inside the generator
	state   string
	agency  string
	typ     string
	county  string
	model   string
	signed  int // Excel serial date; 0 while pending
	moa     string
	pending time.Time // when it entered the pending list; zero if signed directly
}

var models = []string{"Jail Enforcement Model", "Task Force Model", "Warrant Service Officer"}

// states are the states and territories with their relative share of
// agreements (Florida and Texas dominate, as they do in ICE's lists).
var states = []struct {
	name   string
	weight int
}{
	{"ALABAMA", 4}, {"ALASKA", 1}, {"ARIZONA", 2}, {"ARKANSAS", 3}, {"CALIFORNIA", 1}, {"COLORADO", 1},
	{"CONNECTICUT", 1}, {"DELAWARE", 1}, {"FLORIDA", 30}, {"GEORGIA", 6}, {"IDAHO", 2}, {"INDIANA", 3},
	{"IOWA", 2}, {"KANSAS", 2}, {"KENTUCKY", 3}, {"LOUISIANA", 5}, {"MAINE", 1}, {"MARYLAND", 1},
	{"MISSISSIPPI", 2}, {"MISSOURI", 3}, {"MONTANA", 2}, {"NEBRASKA", 2}, {"NEVADA", 1}, {"NEW HAMPSHIRE", 1},
	{"NEW JERSEY", 1}, {"NEW MEXICO", 1}, {"NORTH CAROLINA", 4}, {"NORTH DAKOTA", 1}, {"OHIO", 3},
	{"OKLAHOMA", 4}, {"PENNSYLVANIA", 2}, {"SOUTH CAROLINA", 4}, {"SOUTH DAKOTA", 1}, {"TENNESSEE", 5},
	{"TEXAS", 20}, {"UTAH", 2}, {"VIRGINIA", 3}, {"WEST VIRGINIA", 1}, {"WISCONSIN", 1}, {"WYOMING", 1},
	{"PUERTO RICO", 1}, {"GUAM", 1},
}

var syllables = []string{"al", "ber", "can", "dor", "el", "fin", "gar", "har", "is", "jen", "kel", "lan",
	"mor", "nor", "ol", "pen", "quin", "ris", "sel", "tor", "ur", "van", "wes", "yor", "zan", "ash", "brook",
	"clay", "dale", "ford", "glen", "hill", "land", "mont", "ton", "ville", "wood"}

// world is the generator's state: the agreements on each list and the
// day's temporary defects.
type world struct {
	r         *rand.Rand
	next      int
	part      []*agreement // participating, in no particular order
	pend      []*agreement
	used      map[string]bool
	stateSum  int
	omitUntil map[int]time.Time // key → first day it is listed again
	brokeOnce bool
}

func newWorld(seed uint64, day time.Time) *world {
	w := &world{r: rand.New(rand.NewPCG(seed, 287)), used: map[string]bool{}, omitUntil: map[int]time.Time{}}
	for _, s := range states {
		w.stateSum += s.weight
	}
	// The agencies the real lists open with, and the one the history
	// benchmark asks about.
	harris := w.newAgreement(day, false)
	harris.state, harris.agency, harris.typ, harris.county = "TEXAS", "Harris County Sheriff's Office", "County", "Harris County"
	harris.model = "Task Force Model"
	w.part = append(w.part, harris)
	for p := 1; p <= 3; p++ {
		a := w.newAgreement(day, false)
		a.state, a.agency, a.typ, a.county = "TEXAS", fmt.Sprintf("Harris County Constable Precinct %d", p), "County", "Harris County"
		w.part = append(w.part, a)
	}
	for range 146 {
		w.part = append(w.part, w.newAgreement(day, false))
	}
	for range 40 {
		w.pend = append(w.pend, w.newAgreement(day, true))
	}
	return w
}

func (w *world) pickState() string {
	n := w.r.IntN(w.stateSum)
	for _, s := range states {
		if n < s.weight {
			return s.name
		}
		n -= s.weight
	}
	return states[0].name
}

func (w *world) placeName() string {
	var b strings.Builder
	for i := range 2 + w.r.IntN(2) {
		s := syllables[w.r.IntN(len(syllables))]
		if i == 0 {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		b.WriteString(s)
	}
	return b.String()
}

// newAgreement makes an agency that has not been listed before.
func (w *world) newAgreement(day time.Time, pending bool) *agreement {
	w.next++
	a := &agreement{key: w.next, state: w.pickState(), model: models[w.r.IntN(len(models))]}
	for {
		place := w.placeName()
		switch w.r.IntN(10) {
		case 0, 1, 2, 3, 4:
			a.agency, a.typ, a.county = place+" County Sheriff's Office", "County", place+" County"
		case 5, 6, 7, 8:
			a.agency, a.typ, a.county = place+" Police Department", "Municipality", w.placeName()+" County"
		default:
			a.agency, a.typ, a.county = place+" Department of Corrections", "State", ""
		}
		if !w.used[a.state+a.agency] {
			w.used[a.state+a.agency] = true
			break
		}
	}
	if pending {
		a.pending = day
	} else {
		w.sign(a, day)
	}
	return a
}

// sign gives a an MOA signed a few days before day.
func (w *world) sign(a *agreement, day time.Time) {
	signed := day.AddDate(0, 0, -w.r.IntN(20))
	a.signed = excelSerial(signed)
	slug := strings.NewReplacer(" ", "", "'", "", ".", "").Replace(a.agency)
	code := map[string]string{"Jail Enforcement Model": "JEM", "Task Force Model": "TFM", "Warrant Service Officer": "WSO"}[a.model]
	a.moa = fmt.Sprintf("https://www.ice.gov/doclib/287gMOA/%s%s_%s_MOA_%s.pdf", slug, stateAbbrev(a.state), code, signed.Format("01022006"))
}

func stateAbbrev(s string) string {
	f := strings.Fields(s)
	if len(f) > 1 {
		return f[0][:1] + f[1][:1]
	}
	return s[:2]
}

func excelSerial(t time.Time) int {
	return int(t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// poisson draws a count with mean lambda.
func (w *world) poisson(lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= w.r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// rates are the day's expected events: fast growth in the first year (as
// in 2025), then a slower steady state where terminations nearly balance
// signings.
func rates(age int) (newPending, direct, promote, terminate float64) {
	if age < 300 {
		return 2.5, 2.5, 0.08, 0.15
	}
	return 1.2, 0.2, 0.05, 1.2
}

// advance applies one weekday's permanent churn.
func (w *world) advance(day time.Time, age int) {
	newPending, direct, promote, terminate := rates(age)
	for range w.poisson(newPending) {
		w.pend = append(w.pend, w.newAgreement(day, true))
	}
	for range w.poisson(direct) {
		w.part = append(w.part, w.newAgreement(day, false))
	}
	// Promotions: a pending agency signs and moves to the participating list.
	kept := w.pend[:0]
	for _, a := range w.pend {
		if day.Sub(a.pending) > 14*24*time.Hour && w.r.Float64() < promote {
			w.sign(a, day)
			w.part = append(w.part, a)
			continue
		}
		kept = append(kept, a)
	}
	w.pend = kept
	for range w.poisson(terminate) {
		if len(w.part) > 100 {
			i := w.r.IntN(len(w.part))
			if w.part[i].key > 4 { // Harris County stays
				w.part = slices.Delete(w.part, i, i+1)
			}
		}
	}
	// A rename or a new support type, now and then.
	if w.r.IntN(5) == 0 {
		a := w.part[w.r.IntN(len(w.part))]
		if a.key > 4 {
			switch w.r.IntN(3) {
			case 0:
				a.agency = strings.Replace(a.agency, "Sheriff's Office", "Sheriff’s Office", 1)
				a.agency = strings.Replace(a.agency, "Police Department", "Police Dept.", 1)
			case 1:
				if base, ok := strings.CutSuffix(a.agency, " Police Department"); ok {
					a.agency = "City of " + base + " Police"
				}
			default:
				a.model = models[w.r.IntN(len(models))]
			}
		}
	}
	// Rows that go missing for one to eight days.
	if w.r.IntN(4) == 0 {
		a := w.part[w.r.IntN(len(w.part))]
		w.omitUntil[a.key] = day.AddDate(0, 0, 1+w.r.IntN(8))
	}
}

// edition is what one file shows: the lists with the day's defects.
func (w *world) edition(day time.Time, pending bool, broken bool) [][]string {
	src := w.part
	if pending {
		src = w.pend
	}
	rows := make([]*agreement, 0, len(src)+2)
	for _, a := range src {
		if until, ok := w.omitUntil[a.key]; ok && !pending {
			if day.Before(until) {
				continue
			}
			delete(w.omitUntil, a.key)
		}
		rows = append(rows, a)
	}
	slices.SortFunc(rows, func(a, b *agreement) int {
		return cmp.Or(cmp.Compare(a.state, b.state), cmp.Compare(a.agency, b.agency), cmp.Compare(a.key, b.key))
	})
	if broken {
		// One broken file keeps only a handful of rows.
		rows = rows[:len(rows)/20]
	}
	out := make([][]string, 0, len(rows)+2)
	typo := -1
	if len(rows) > 0 && w.r.IntN(6) == 0 {
		typo = w.r.IntN(len(rows))
	}
	stateTypo := -1
	if len(rows) > 0 && w.r.IntN(15) == 0 {
		stateTypo = w.r.IntN(len(rows))
	}
	for i, a := range rows {
		agency, state := a.agency, a.state
		if i == typo && len(agency) > 6 {
			// A typo day: two letters swapped, fixed in the next list.
			b := []byte(agency)
			b[3], b[4] = b[4], b[3]
			agency = string(b)
		}
		if i == stateTypo && len(state) > 4 {
			state = state[:len(state)-2] + state[len(state)-1:] + state[len(state)-2:len(state)-1]
		}
		if w.r.IntN(40) == 0 {
			agency += " " // ICE's trailing blanks
		}
		var row []string
		if pending {
			row = []string{state, agency, a.typ, a.county, a.model, "link pending"}
		} else {
			signed := ""
			if a.signed > 0 {
				signed = "#" + strconv.Itoa(a.signed)
			}
			row = []string{state, agency, a.typ, a.county, a.model, signed, "@" + a.moa, ""}
		}
		out = append(out, row)
		if w.r.IntN(900) == 0 {
			out = append(out, row) // a duplicated row
		}
	}
	return out
}

var (
	hdrParticipating = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA", "ADDENDUM"}
	hdrPending       = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "MOA"}
)

// fileName is the name a list is archived under: the shared corpus's
// "2025-09-02am_participatingAgencies09022025am.xlsx" form, and in the
// first weeks the Wayback captures' "2025-02-21_participatingAgencies-20250221214937.xlsx".
func fileName(day time.Time, slot string, pending bool, age int) string {
	kind := "participatingAgencies"
	if pending {
		kind = "pendingAgencies"
	}
	if age < 30 {
		at := day.Add(21*time.Hour + 49*time.Minute + time.Duration(age)*time.Second)
		return fmt.Sprintf("%s_%s-%s.xlsx", day.Format(time.DateOnly), kind, at.Format("20060102150405"))
	}
	return fmt.Sprintf("%s%s_%s%s%s.xlsx", day.Format(time.DateOnly), slot, kind, day.Format("01022006"), slot)
}

// generate writes every list from first to last (exclusive).
func generate(dir string, first, last time.Time, seed uint64) (files int, total int64, err error) {
	w := newWorld(seed, first)
	brokenDay := first.AddDate(0, 0, int(last.Sub(first).Hours()/24)*2/3)
	for day, age := first, 0; day.Before(last); day, age = day.AddDate(0, 0, 1), age+1 {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		slots := []string{"am"}
		if w.r.IntN(3) == 0 {
			slots = append(slots, "pm")
		}
		for si, slot := range slots {
			if age > 0 || si > 0 {
				w.advance(day, age)
			}
			broken := false
			if !w.brokeOnce && !day.Before(brokenDay) {
				broken, w.brokeOnce = true, true
			}
			for _, pending := range []bool{false, true} {
				rows := w.edition(day, pending, broken && !pending)
				hdr := hdrParticipating
				if pending {
					hdr = hdrPending
				}
				body := workbook(hdr, rows)
				name := fileName(day, slot, pending, age)
				if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
					return files, total, err
				}
				files++
				total += int64(len(body))
			}
			if age < 30 {
				break // the Wayback captures hold one edition a day
			}
		}
	}
	return files, total, nil
}

// workbook writes one sheet the way Excel does (xlsxbuild). A cell "#N"
// is the number N (a serial date), "@URL" the text "link" hyperlinked to
// URL, "" a styled empty cell, anything else a shared string.
func workbook(header []string, rows [][]string) []byte {
	sheet := xlsxbuild.Sheet{Name: "Sheet1"}
	for _, r := range append([][]string{header}, rows...) {
		var row xlsxbuild.Row
		for _, v := range r {
			var c xlsxbuild.Cell
			switch {
			case v == "":
				c = xlsxbuild.Styled()
			case strings.HasPrefix(v, "#"):
				c = xlsxbuild.Number(v[1:])
			case strings.HasPrefix(v, "@"):
				c = xlsxbuild.Link(xlsxbuild.Shared("link"), v[1:])
			default:
				c = xlsxbuild.Shared(v)
			}
			row.Cells = append(row.Cells, c)
		}
		sheet.Rows = append(sheet.Rows, row)
	}
	return xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{sheet}})
}

// inflateAll reads every .xlsx in dir and inflates each of its parts,
// printing the files, the inflated bytes and the seconds it took: the
// least any import of those files must spend.
func inflateAll(dir string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.xlsx"))
	if err != nil {
		return err
	}
	began := time.Now()
	var inflated int64
	for _, name := range names {
		zr, err := zip.OpenReader(name)
		if err != nil {
			return fmt.Errorf("open %s: %w", filepath.Base(name), err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				zr.Close()
				return fmt.Errorf("%s: %s: %w", filepath.Base(name), f.Name, err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				zr.Close()
				return fmt.Errorf("%s: %s: %w", filepath.Base(name), f.Name, err)
			}
			inflated += n
		}
		zr.Close()
	}
	fmt.Printf("inflated %d files, %d bytes, in %.3f s\n", len(names), inflated, time.Since(began).Seconds())
	return nil
}
