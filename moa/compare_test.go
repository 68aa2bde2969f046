package moa

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCompareExtractors measures the pure-Go reader against poppler's
// pdftotext on the shared sample: time and memory per document, and how
// often each gets the LEA and the model right (the same field rules run on
// both texts). The figures are in docs/documents.md. It runs only with
// MOA_COMPARE=1 and pdftotext installed (apt-get install poppler-utils),
// and fails when the pure-Go reader falls more than one document behind
// pdftotext on either field, the ground the choice stands on.
func TestCompareExtractors(t *testing.T) {
	if os.Getenv("MOA_COMPARE") == "" {
		t.Skip("set MOA_COMPARE=1 to compare with pdftotext")
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	dir, all := samples(t)
	type score struct {
		lea, model, docs int
		times            []time.Duration
		mem              []int64
	}
	var goS, popS, layS score
	for _, s := range all {
		if s.TextChars < minTextChars {
			continue
		}
		path := filepath.Join(dir, s.File)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		start := time.Now()
		doc, err := Read(context.Background(), b, DefaultLimits)
		d := time.Since(start)
		runtime.ReadMemStats(&m1)
		if err != nil {
			t.Fatalf("%s: %v", s.File, err)
		}
		goS.docs++
		goS.times = append(goS.times, d)
		goS.mem = append(goS.mem, int64(m1.TotalAlloc-m0.TotalAlloc))
		if agencyMatches(doc.Fields.LEA, s.Agency) {
			goS.lea++
		}
		if doc.Fields.Model == s.Model {
			goS.model++
		}
		for _, mode := range []struct {
			sc   *score
			args []string
		}{{&popS, nil}, {&layS, []string{"-layout"}}} {
			cmd := exec.Command(bin, append(append([]string{"-q"}, mode.args...), path, "-")...)
			var out bytes.Buffer
			cmd.Stdout = &out
			start := time.Now()
			if err := cmd.Run(); err != nil {
				t.Fatalf("pdftotext %s: %v", s.File, err)
			}
			mode.sc.times = append(mode.sc.times, time.Since(start))
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				mode.sc.mem = append(mode.sc.mem, ru.Maxrss<<10)
			}
			var pages []string
			for _, p := range strings.Split(strings.TrimSuffix(out.String(), "\f"), "\f") {
				pages = append(pages, clean(p))
			}
			f, _ := readFields(pages, nil, nil)
			mode.sc.docs++
			if agencyMatches(f.LEA, s.Agency) {
				mode.sc.lea++
			}
			if f.Model == s.Model {
				mode.sc.model++
			}
		}
	}
	median := func(ds []time.Duration) (time.Duration, time.Duration) {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2], ds[len(ds)-1]
	}
	medMem := func(ms []int64) (float64, float64) {
		if len(ms) == 0 {
			return 0, 0
		}
		sort.Slice(ms, func(i, j int) bool { return ms[i] < ms[j] })
		return float64(ms[len(ms)/2]) / 1e6, float64(ms[len(ms)-1]) / 1e6
	}
	for _, r := range []struct {
		name string
		s    score
		mem  string
	}{{"pure Go (ledongthuc/pdf + form fields)", goS, "MB allocated"}, {"pdftotext (raw order)", popS, "MB max RSS"}, {"pdftotext -layout", layS, "MB max RSS"}} {
		tm, tx := median(r.s.times)
		mm, mx := medMem(r.s.mem)
		t.Logf("%-40s LEA %d/%d, model %d/%d, time median %v max %v, memory median %.1f max %.1f %s",
			r.name, r.s.lea, r.s.docs, r.s.model, r.s.docs, tm.Round(time.Millisecond), tx.Round(time.Millisecond), mm, mx, r.mem)
	}
	// The choice of the pure-Go reader stands while it is within one
	// document of pdftotext on each field.
	if goS.lea+1 < popS.lea || goS.model+1 < popS.model {
		t.Errorf("pure Go got LEA %d, model %d right; pdftotext %d, %d: want pure Go within one document", goS.lea, goS.model, popS.lea, popS.model)
	}
}
