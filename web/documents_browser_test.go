package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDocumentsInABrowser: on a phone-sized screen the document search
// marks the match and shows the document's markup as text, neither it nor
// the document page scrolls sideways, and the page's download link saves
// the archived PDF byte for byte.
func TestDocumentsInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromium(t)
	fx := newFixture(t)
	sha := archiveFixtureDocs(t, fx.st)
	ts := httptest.NewServer(New(Options{Store: fx.st, PublicURL: "http://127.0.0.1", Now: func() time.Time { return fx.at }}))
	t.Cleanup(ts.Close)

	tab := startBrowser(t, exe, 60*time.Second)
	bctx := tab.ctx
	shots := screenshotDir(t)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) { t.Helper(); tab.run(t, what, steps...) }
	text := func(sel string) string { t.Helper(); return tab.text(t, sel) }
	fits := func(page string) {
		t.Helper()
		wide, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil {
			t.Fatalf("measure %s: %v", page, err)
		}
		if wide {
			t.Errorf("%s on a phone scrolls sideways, want it to fit", page)
		}
		tab.shot(t, shots, strings.NewReplacer("/", "_", "?", "_").Replace(page)[:min(40, len(page))]+".png")
	}

	run("phone search", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(ts.URL+"/documents/search?q=reimburse"), chromedp.WaitVisible(chromedp.CSS(`.snippet mark`)))
	if got := text(".snippet mark"); got != "reimburse" {
		t.Errorf("got %q marked, want reimburse", got)
	}
	if got, want := text(".snippet"), "<script>alert(1)</script>"; !strings.Contains(got, want) {
		t.Errorf("got snippet %q, want the markup shown as text %q", got, want)
	}
	fits("/documents/search?q=reimburse")
	for _, page := range []string{"/documents", "/documents/" + sha} {
		run("phone "+page, chromedp.Navigate(ts.URL+page), chromedp.WaitVisible(chromedp.CSS(`main`)))
		fits(page)
	}

	// Download the PDF from the document page and check its bytes.
	run("desktop", chromedp.EmulateViewport(1280, 900))
	link := `a[download][href="/documents/` + sha + `/file"]`
	run("open the document", chromedp.Navigate(ts.URL+"/documents/"+sha), chromedp.WaitVisible(chromedp.CSS(link)))
	b := tab.download(t, "the PDF", func() { run("click download", chromedp.Click(chromedp.CSS(link))) })
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != sha {
		t.Errorf("downloaded sha256 %s, want %s", got, sha)
	}
	tab.reportProblems(t)
	t.Logf("screenshots in %s", shots)
}
