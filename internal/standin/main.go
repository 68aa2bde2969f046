// Command standin runs scrapertest's loopback ice.gov as a process, for
// scripts that measure `serve` while its schedule polls (scripts/bench-load.sh).
// It links one participating and one pending list and prints the page's
// URL on its first line of output.
//
// Every -every, the participating list is published again as new bytes
// (the same workbook with a zip comment that counts the editions) with a
// new Last-Modified: a poll after that downloads a new list, the polls in
// between get 304s. The parsed content never changes, so the store takes
// each edition as a new snapshot with no changes and nothing is
// quarantined, whatever the store's history.
//
//	go run ./internal/standin -participating P.xlsx -pending Q.xlsx -every 4s
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/watch287g/watch287g/scraper/scrapertest"
)

func main() {
	if err := run(); err != nil {
		slog.Error("standin", slog.Any("error", err))
		os.Exit(1)
	}
}

func run() error {
	participating := flag.String("participating", "", "the participating list (.xlsx) to serve")
	pending := flag.String("pending", "", "the pending list (.xlsx) to serve")
	every := flag.Duration("every", 4*time.Second, "publish the participating list again, as new bytes, this often (0: never)")
	flag.Parse()
	if *participating == "" || *pending == "" {
		return fmt.Errorf("-participating and -pending are required")
	}
	if *every != 0 && *every < time.Second {
		return fmt.Errorf("-every %s: at least 1s (Last-Modified counts seconds)", *every)
	}
	part, err := os.ReadFile(*participating)
	if err != nil {
		return fmt.Errorf("read participating list: %w", err)
	}
	pend, err := os.ReadFile(*pending)
	if err != nil {
		return fmt.Errorf("read pending list: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p := &process{}
	defer p.cleanup()
	srv := scrapertest.NewServer(p)
	partDoc := scrapertest.Doc{Name: filepath.Base(*participating), Body: part, LastModified: time.Now().Add(-time.Hour)}
	pendDoc := scrapertest.Doc{Name: filepath.Base(*pending), Body: pend, LastModified: time.Now().Add(-time.Hour)}
	srv.SetLinks(scrapertest.DocLib, partDoc, pendDoc)
	fmt.Println(srv.URL())

	if *every == 0 {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for edition := 1; ; edition++ {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			body, err := reissue(part, edition)
			if err != nil {
				return fmt.Errorf("edition %d: %w", edition, err)
			}
			partDoc.Body, partDoc.LastModified = body, now
			srv.SetLinks(scrapertest.DocLib, partDoc, pendDoc)
		}
	}
}

// reissue returns the workbook xlsx with its entries copied unchanged and
// a zip comment naming the edition: other bytes, the same sheet.
func reissue(xlsx []byte, edition int) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		w, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", f.Name, err)
		}
		r, err := f.OpenRaw()
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", f.Name, err)
		}
		if _, err := io.Copy(w, r); err != nil {
			return nil, fmt.Errorf("copy %s: %w", f.Name, err)
		}
	}
	if err := zw.SetComment(fmt.Sprintf("standin edition %d", edition)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("close workbook: %w", err)
	}
	return b.Bytes(), nil
}

// process is the testing.TB scrapertest.NewServer asks for, outside a
// test: it runs the cleanups at exit; nothing else of it is called.
type process struct {
	testing.TB
	cleanups []func()
}

func (p *process) Helper()          {}
func (p *process) Cleanup(f func()) { p.cleanups = append(p.cleanups, f) }
func (p *process) Fatalf(f string, a ...any) {
	slog.Error("standin", slog.String("error", fmt.Sprintf(f, a...)))
	os.Exit(1)
}

func (p *process) cleanup() {
	for i := len(p.cleanups) - 1; i >= 0; i-- {
		p.cleanups[i]()
	}
}
