package web

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/watch287g/watch287g/diff"
)

// TestBrowserReporterWalk walks a reporter's way through issue 13 in
// headless Chromium, at a desktop and a phone width: overview → state →
// agency → the list that changed it → the list's downloads (its changes as
// CSV, the original file). Every page fits the screen (no sideways
// scroll), chart labels are at least 11 px, and the browser reports no
// console error.
func TestBrowserReporterWalk(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromium(t)
	fx := newReporterFixture(t)
	srv := New(Options{Store: fx.st, PublicURL: "http://127.0.0.1", Now: func() time.Time { return fx.now }})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	tab := startBrowser(t, exe, 90*time.Second)
	bctx := tab.ctx
	shots := screenshotDir(t)

	run := tab.run
	shot := func(t *testing.T, name string) { t.Helper(); tab.shot(t, shots, name) }
	// fits checks the page has no sideways scroll and readable chart labels.
	fits := func(t *testing.T, where string) {
		t.Helper()
		wide, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil {
			t.Fatalf("measure %s: %v", where, err)
		}
		if wide {
			t.Errorf("%s scrolls sideways, want it to fit", where)
		}
		smallest, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`Math.min(99, ...Array.from(document.querySelectorAll('svg.chart text')).map(
			t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))`))
		if err != nil {
			t.Fatalf("measure labels on %s: %v", where, err)
		}
		if smallest < 11 {
			t.Errorf("%s: got chart labels of %.1f px, want at least 11", where, smallest)
		}
	}
	// download clicks sel and returns the downloaded bytes.
	// follow activates the link sel as a reader's tap does. A link that
	// wraps over lines has no text at the centre of its box, where a
	// synthetic mouse click lands, so the link's own click() is used.
	follow := func(t *testing.T, sel string) {
		t.Helper()
		ok, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(() => { const a = document.querySelector(`+strconv.Quote(sel)+`); if (!a) return false; a.click(); return true })()`))
		if err != nil || !ok {
			t.Fatalf("follow %s: found %v, err %v", sel, ok, err)
		}
	}
	download := func(t *testing.T, sel string) []byte {
		t.Helper()
		return tab.download(t, sel, func() { follow(t, sel) })
	}

	snapID := strconv.FormatUint(fx.b.ID, 10)
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(vp.name, func(t *testing.T) {
			run(t, "viewport", chromedp.EmulateViewport(vp.w, vp.h, chromedp.EmulateScale(1)))
			run(t, "overview", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
			fits(t, vp.name+" overview")
			shot(t, vp.name+"-1-overview.png")

			follow(t, `#by-state ~ .table-wrap a[href="/states/TX"]`)
			run(t, "to Texas", chromedp.WaitVisible(chromedp.CSS(`#former`)))
			fits(t, vp.name+" state")
			shot(t, vp.name+"-2-state.png")

			follow(t, `#participating ~ .table-wrap a[href="/agencies/tx-harris-county-sheriffs-office"]`)
			run(t, "to Harris County", chromedp.WaitVisible(chromedp.CSS(`#agreements`)))
			fits(t, vp.name+" agency")
			shot(t, vp.name+"-3-agency.png")

			follow(t, `#timeline ~ ol a[href="/snapshots/`+snapID+`"]`)
			run(t, "to the list", chromedp.WaitVisible(chromedp.CSS(`#provenance`)))
			fits(t, vp.name+" list page")
			shot(t, vp.name+"-4-list.png")
			if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('details del, details ins, #k-changed ~ ul ins').length`)); err != nil || n == 0 {
				t.Errorf("list page: got %d marked edits (err %v), want some", n, err)
			}

			// The changes page shows each change's model and details on
			// screen, not clipped in a scrolled table.
			run(t, "changes", chromedp.Navigate(ts.URL+"/changes"), chromedp.WaitVisible(chromedp.CSS(`main`)))
			fits(t, vp.name+" changes")
			shot(t, vp.name+"-5-changes.png")
			shown, err := chromedp.Run(bctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('td[data-label=Model], td.details:not(:empty)')).filter(td => {
				const r = td.getBoundingClientRect();
				return r.width === 0 || r.right > document.documentElement.clientWidth + 1;
			}).map(td => td.textContent).join(" | ")`))
			if err != nil || shown != "" {
				t.Errorf("changes page: cells hidden or cut off: %q (err %v), want every model and detail in view", shown, err)
			}
			// The feed opened in a browser reads as a page (feed.xsl).
			run(t, "feed", chromedp.Navigate(ts.URL+"/feed.atom"), chromedp.WaitVisible(chromedp.CSS(`main ul.changes li a`)))
			fits(t, vp.name+" feed")
			shot(t, vp.name+"-6-feed.png")
			// The archive's download links are on screen on a phone.
			run(t, "archive", chromedp.Navigate(ts.URL+"/snapshots"), chromedp.WaitVisible(chromedp.CSS(`main`)))
			fits(t, vp.name+" archive")
			shot(t, vp.name+"-7-archive.png")
			off, err := chromedp.Run(bctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('a[href$="/file"]')).filter(a => {
				const r = a.getBoundingClientRect();
				return r.width === 0 || r.right > document.documentElement.clientWidth + 1;
			}).length`))
			if err != nil || off != 0 {
				t.Errorf("archive: %d download links off screen (err %v), want none", off, err)
			}
			run(t, "back to the list", chromedp.Navigate(ts.URL+"/snapshots/"+snapID), chromedp.WaitVisible(chromedp.CSS(`#provenance`)))

			body := download(t, `a[href="/snapshots/`+snapID+`/changes.csv"]`)
			recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
			if err != nil || len(recs) < 2 || strings.Join(recs[0], ",") != strings.Join(diff.ChangeCSVHeader(), ",") {
				t.Errorf("changes CSV: got %d records (err %v), want the change layout with rows", len(recs), err)
			}
			file := download(t, `a[href="/api/v1/snapshots/`+snapID+`/file"]`)
			if sum := sha256.Sum256(file); hex.EncodeToString(sum[:]) != fx.b.SHA256 {
				t.Errorf("original file: got sha256 %x, want %s", sum, fx.b.SHA256)
			}
		})
	}

	tab.reportProblems(t)
	t.Logf("screenshots in %s", shots)
}
