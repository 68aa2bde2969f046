package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds the browser, or skips (fails in CI, where it must exist).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI is set: browser tests must run in CI")
	}
	t.Skip("chromium is not installed: browser tests skipped (install Debian's chromium to run them)")
	return ""
}

// browserTab is one headless Chromium tab for a test, with every console
// error, warning, exception and error log entry the pages produced.
type browserTab struct {
	ctx context.Context
	// downloads is where the tab saves what it downloads.
	downloads string
	mu        sync.Mutex
	problems  []string
}

// startBrowser starts headless Chromium (exe) at a desktop size, bounded
// by timeout, and stops it when the test ends.
func startBrowser(t *testing.T, exe string, timeout time.Duration) *browserTab {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	tab := &browserTab{}
	// The listener sees the tab's events from its first command on.
	bctx, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithListener(tab.listen))
	t.Cleanup(cancelBrowser)
	if _, err := chromedp.Call(bctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("start chromium (%s): %v", exe, err)
	}
	tab.ctx, tab.downloads = bctx, t.TempDir()
	events := true
	if _, err := chromedp.CallBrowser(bctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: tab.downloads, EventsEnabled: &events}); err != nil {
		t.Fatalf("set download behavior: %v", err)
	}
	return tab
}

// download runs click, which starts a download, waits for it to complete
// and returns its bytes.
func (b *browserTab) download(t *testing.T, what string, click func()) []byte {
	t.Helper()
	progress := chromedp.BrowserEvents(b.ctx, browser.DownloadProgress)
	click()
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download %s did not complete: %v", what, err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("download %s canceled", what)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			body, err := os.ReadFile(filepath.Join(b.downloads, ev.GUID))
			if err != nil {
				t.Fatalf("read download %s: %v", what, err)
			}
			return body
		}
	}
	t.Fatalf("download %s: no completion", what)
	return nil
}

func (b *browserTab) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning ||
			ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value))
			}
			b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		b.problems = append(b.problems, "exception: "+ev.ExceptionDetails.Text)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			b.problems = append(b.problems, fmt.Sprintf("log %s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
}

// reportProblems fails the test for each problem the browser reported.
func (b *browserTab) reportProblems(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser reported: %s", p)
	}
}

// screenshotDir is where screenshots go: the test's temp dir, or
// $WATCH287G_SCREENSHOTS to keep them for a person to look at.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("WATCH287G_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("screenshot dir: %v", err)
		}
		return d
	}
	return t.TempDir()
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromium(t)
	fx := newFixture(t)
	srv := New(Options{Store: fx.st, PublicURL: "http://127.0.0.1", Now: func() time.Time { return fx.at }})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	tab := startBrowser(t, exe, 90*time.Second)
	bctx := tab.ctx

	shots := screenshotDir(t)
	shot := func(name string) { t.Helper(); tab.shot(t, shots, name) }
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) { t.Helper(); tab.run(t, what, steps...) }
	text := func(sel string) string { t.Helper(); return tab.text(t, sel) }

	// The overview, then the first change in "Latest changes" to its agreement.
	firstLink := `#latest ~ .table-wrap tbody tr th a`
	run("open the overview", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	shot("overview.png")
	agency := text(firstLink)
	run("follow a change", chromedp.Click(chromedp.CSS(firstLink)), chromedp.WaitVisible(chromedp.CSS(`#timeline`)))
	shot("agreement.png")
	if h1 := text("h1"); h1 == "" || h1 != agency {
		t.Errorf("agreement page h1 %q, want the change's agency %q", h1, agency)
	}

	// On a phone: readable, and nothing wider than the screen.
	run("phone overview", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	shot("overview-phone.png")
	// Every HTML page, with a long agency name among the results.
	harrisID := fx.agreementID(t, harris.Agency)
	for _, page := range []string{"/", "/changes", "/agreements/" + harrisID, "/states/TX", "/snapshots", "/search?q=county"} {
		run("phone "+page, chromedp.Navigate(ts.URL+page), chromedp.WaitVisible(chromedp.CSS(`main`)))
		wide, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil {
			t.Fatalf("measure %s: %v", page, err)
		}
		if wide {
			t.Errorf("%s on a phone scrolls sideways, want it to fit", page)
		}
	}
	run("desktop", chromedp.EmulateViewport(1280, 900))

	// Download a snapshot from the archive and check its bytes.
	link := `a[href="/api/v1/snapshots/` + strconv.FormatUint(fx.part2.ID, 10) + `/file"]`
	run("open the archive", chromedp.Navigate(ts.URL+"/snapshots"), chromedp.WaitVisible(chromedp.CSS(link)))
	shot("snapshots.png")
	b := tab.download(t, "the snapshot", func() { run("click download", chromedp.Click(chromedp.CSS(link))) })
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != fx.part2.SHA256 {
		t.Errorf("downloaded sha256 %s, want %s", got, fx.part2.SHA256)
	}

	tab.reportProblems(t)
	t.Logf("screenshots in %s", shots)
}

// run runs steps in the tab, failing the test with what on an error.
func (b *browserTab) run(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text is the trimmed text of the element sel selects.
func (b *browserTab) text(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// shot saves a full-page PNG screenshot as dir/name.
func (b *browserTab) shot(t *testing.T, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100: PNG; lower is JPEG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
}
