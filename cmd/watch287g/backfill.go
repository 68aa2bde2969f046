package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/wayback"
)

// Keys of the backfill's memory in the store's meta: what discovery learnt
// (page captures' links, linked files' captures) and what became of each
// CDX digest ("sha256:<hex>" once committed, "rejected:<reason>"), so an
// interrupted backfill resumes and a second one downloads nothing.
const (
	metaBackfillState   = "wayback.discovery"
	metaBackfillDigests = "wayback.digests"
)

// backfillOpts are the parsed flags.
type backfillOpts struct {
	from, to string // CDX timestamp prefixes
	delay    time.Duration
	url      string
	dryRun   bool
	quiet    bool
	verbose  bool
	// retries is wayback.Options.Retries (0: the default).
	retries int
	// progress, when set, is told how many of the distinct files are
	// handled (known, downloaded or rejected) as the backfill goes.
	progress func(done, total int)
}

func runBackfill(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("backfill", "")
	server := noServerFlag(fs)
	from := fs.String("from", "", "only captures from this `DATE` (YYYY-MM-DD) on")
	to := fs.String("to", "", "only captures up to this `DATE` (YYYY-MM-DD)")
	delay := fs.Duration("delay", wayback.DefaultDelay, "pause between two requests to the archive (0 for none: tests and stand-ins only)")
	waybackURL := fs.String("wayback-url", "", "the archive's `URL` (default: wayback_url in the config, $WATCH287G_WAYBACK_URL, https://web.archive.org)")
	dryRun := fs.Bool("dry-run", false, "list the files that would be downloaded; download and change nothing")
	quiet := fs.Bool("quiet", false, "no progress bar")
	verbose := fs.Bool("verbose", false, "print one line per file once it is committed")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := a.refuseServer(*server, cmdWrite); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: backfill takes no arguments (got %q)", errUsage, fs.Arg(0))
	}
	o := backfillOpts{delay: *delay, dryRun: *dryRun, quiet: *quiet, verbose: *verbose}
	var err error
	if o.from, err = cdxDate("--from", *from); err != nil {
		return err
	}
	if o.to, err = cdxDate("--to", *to); err != nil {
		return err
	}
	if o.delay < 0 {
		return fmt.Errorf("%w: --delay must not be negative", errUsage)
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	o.url = cmp.Or(*waybackURL, cfg.WaybackURL)
	if o.dryRun {
		return a.backfillDryRun(ctx, o)
	}
	w, err := a.openWriter(cmdWrite)
	if err != nil {
		return err
	}
	defer w.st.Close()
	return a.backfill(ctx, w, o)
}

// cdxDate turns YYYY-MM-DD into a CDX timestamp prefix.
func cdxDate(flag, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return "", fmt.Errorf("%w: %s takes a date YYYY-MM-DD, not %q", errUsage, flag, s)
	}
	return d.Format("20060102"), nil
}

func (a *app) waybackClient(o backfillOpts, userAgent string) (*wayback.Client, error) {
	d := o.delay
	if d == 0 {
		d = -1 // the client's "none"
	}
	return wayback.New(wayback.Options{BaseURL: o.url, Delay: d, Retries: o.retries, Logger: a.log, UserAgent: userAgent})
}

// backfillSummary is what the command prints at the end.
type backfillSummary struct {
	disc       *wayback.Discovery
	known      int // digests already committed or rejected by an earlier run
	downloaded int
	spooled    int // downloaded by an interrupted run, committed now
	rejected   map[string]int
	failed     []string
	imported   importSummary
	files      int
	stats      wayback.Stats
}

func (s *backfillSummary) write(w io.Writer, url string) {
	d := s.disc
	fmt.Fprintf(w, "backfill from %s\n", escape.Terminal(escape.RedactURL(url)))
	fmt.Fprintf(w, "captures seen: %d of files, %d of the 287(g) page (%d read now); %d list links on the page\n",
		d.FileCaptures, d.PageCaptures, d.PagesRead, d.Links)
	fmt.Fprintf(w, "distinct files: %d (%d known from earlier runs); downloaded %d", len(d.Files), s.known, s.downloaded)
	if s.spooled > 0 {
		fmt.Fprintf(w, " (+%d downloaded by an interrupted run)", s.spooled)
	}
	fmt.Fprintln(w)
	reasons := make([]string, 0, len(s.rejected))
	total := 0
	for r, n := range s.rejected {
		reasons = append(reasons, r)
		total += n
	}
	sort.Strings(reasons)
	fmt.Fprintf(w, "rejected: %d\n", total)
	for _, r := range reasons {
		fmt.Fprintf(w, "  %d %s\n", s.rejected[r], r)
	}
	s.imported.write(w, s.files)
	fmt.Fprintf(w, "requests: %d (%d retries)\n", s.stats.Requests, s.stats.Retries)
	for _, f := range s.failed {
		fmt.Fprintf(w, "failed (tried again next run): %s\n", escape.Terminal(f))
	}
	for _, wn := range d.Warnings {
		fmt.Fprintf(w, "warning: %s\n", escape.Terminal(wn))
	}
}

// spooled is one downloaded file waiting to be committed: downloads go to
// a spool directory beside the database first, because the published order
// is known only once every file's name is (a download id's name comes with
// its bytes). An interrupted backfill finds them there.
type spooled struct {
	Digest      string `json:"digest"`
	Original    string `json:"original"`
	Timestamp   string `json:"timestamp"`
	PlaybackURL string `json:"playback_url"`
	Name        string `json:"name"`
	Published   string `json:"published"`
	Slot        string `json:"slot"`
	body        []byte
	file        *wayback.File // nil when read back from the spool
}

func (a *app) spoolDir() string { return a.db + ".backfill" }

func (a *app) backfill(ctx context.Context, w *writer, o backfillOpts) error {
	st := w.st
	client, err := a.waybackClient(o, w.cfg.UserAgent)
	if err != nil {
		return err
	}
	var state wayback.State
	if err := loadMetaJSON(ctx, st, metaBackfillState, &state); err != nil {
		return err
	}
	digests := map[string]string{}
	if err := loadMetaJSON(ctx, st, metaBackfillDigests, &digests); err != nil {
		return err
	}
	// The digests are saved at the end, and every half minute of
	// downloads: each save is a transaction (an fsync). A run killed
	// before a save loses nothing but time: the spool keeps every file
	// until the digests naming it are saved, and committing a file twice
	// only sees it again.
	dirty, lastSave := false, time.Now()
	saveDigests := func() error {
		if !dirty {
			return nil
		}
		dirty, lastSave = false, time.Now()
		return saveMetaJSON(context.WithoutCancel(ctx), st, metaBackfillDigests, digests)
	}
	defer saveDigests()
	target := wayback.DefaultTarget()
	target.From, target.To = o.from, o.to
	disc, derr := client.Discover(ctx, target, &state, func(s *wayback.State) error {
		return saveMetaJSON(context.WithoutCancel(ctx), st, metaBackfillState, s)
	})
	sum := &backfillSummary{disc: disc, rejected: map[string]int{}}
	if derr != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted while discovering captures: %w", derr)
		}
		sum.failed = append(sum.failed, derr.Error())
	}

	spool, waiting, err := openSpool(a.spoolDir())
	if err != nil {
		return err
	}
	defer spool.close()
	sum.spooled = len(waiting)
	var todo []wayback.Candidate
	for _, c := range disc.Files {
		if _, ok := digests[c.Capture.Digest]; ok {
			sum.known++
			continue
		}
		if _, ok := waiting[c.Capture.Digest]; ok {
			continue
		}
		todo = append(todo, c)
	}

	report := func(handled int) {
		if o.progress != nil {
			o.progress(min(len(disc.Files), len(disc.Files)-len(todo)+handled), len(disc.Files))
		}
	}
	report(0)
	bar := newProgress(a.stderr, len(todo), o.quiet)
	for i, c := range todo {
		if ctx.Err() != nil {
			break
		}
		report(i)
		bar.step(i, c.Capture.Timestamp+" "+c.Capture.Original)
		f, err := client.Download(ctx, c.Capture)
		var rej *wayback.Rejected
		switch {
		case errors.As(err, &rej):
			sum.rejected[rej.Reason]++
			digests[c.Capture.Digest] = "rejected:" + rej.Reason
			dirty = true
			a.log.Info("capture rejected", slog.String("capture", c.Capture.Timestamp), slog.String("url", escape.Terminal(c.Capture.Original)), slog.String("why", escape.Terminal(rej.Error())))
			continue
		case err != nil:
			if ctx.Err() == nil {
				sum.failed = append(sum.failed, err.Error())
			}
			continue
		}
		sum.downloaded++
		sp := &spooled{Digest: c.Capture.Digest, Original: c.Capture.Original, Timestamp: f.Timestamp, PlaybackURL: f.PlaybackURL,
			Name: f.Name, Published: f.Published, Slot: f.Slot, body: f.Body, file: f}
		if err := spool.add(sp); err != nil {
			return err
		}
		waiting[sp.Digest] = sp
		if time.Since(lastSave) > 30*time.Second {
			if err := saveDigests(); err != nil {
				return err
			}
		}
	}
	bar.done()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted after %d downloads (they wait in %s; run backfill again): %w", sum.downloaded, spool.dir, err)
	}

	committed, err := a.commitBackfill(ctx, w, spool, waiting, digests, sum, o)
	dirty = dirty || len(committed) > 0
	if serr := saveDigests(); serr != nil {
		return errors.Join(err, serr)
	}
	if len(committed) == len(waiting) {
		if cerr := spool.clear(); cerr != nil {
			a.log.Warn("spool not removed", slog.String("dir", spool.dir), slog.String("err", cerr.Error()))
		}
	} else {
		for _, d := range committed {
			spool.drop(d)
		}
	}
	if err != nil {
		return err
	}
	report(len(todo))
	sum.stats = client.Stats()
	sum.write(a.stdout, o.url)
	if len(sum.failed) > 0 {
		return fmt.Errorf("%d requests failed (first: %s); run backfill again to retry them", len(sum.failed), escape.Terminal(sum.failed[0]))
	}
	if sum.imported.quarantined > 0 {
		return errQuarantined
	}
	return nil
}

// commitBackfill commits the spooled files in published order, through
// the same ordering and batching as import, with no recipients: history
// is recorded, never announced. It records each committed file in digests
// and returns their digests, whose spool files the caller removes once
// digests is saved.
func (a *app) commitBackfill(ctx context.Context, w *writer, spool *spool, waiting map[string]*spooled, digests map[string]string, sum *backfillSummary, o backfillOpts) (committed []string, err error) {
	st, cfg := w.st, w.cfg
	all := make([]*spooled, 0, len(waiting))
	for _, sp := range waiting {
		all = append(all, sp)
	}
	// Capture order first, so two files of one publication under the same
	// name (ICE re-published) keep the order the archive saw them in.
	slices.SortFunc(all, func(x, y *spooled) int { return cmp.Compare(x.Timestamp+x.Digest, y.Timestamp+y.Digest) })
	files := make([]importFile, len(all))
	byPath := map[string]*spooled{}
	for i, sp := range all {
		at, _ := wayback.CaptureTime(sp.Timestamp)
		files[i] = importFile{path: sp.Digest, name: sp.Name, published: sp.Published, slot: sp.Slot, mtime: at}
		byPath[sp.Digest] = sp
	}
	sum.files = len(files)
	steps := importSteps(files, "name")

	bar := newProgress(a.stderr, len(files), o.quiet)
	since := lastChangeID(ctx, st)
	var batch []store.Cycle
	var names [][]string
	var batchDigests []string
	inputs, done := 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		// Not ctx: a batch once begun is committed, so the spool and the
		// digests stay in step with the store.
		results, err := st.CommitBatch(context.WithoutCancel(ctx), batch)
		if err != nil {
			return fmt.Errorf("commit %s…: %w", escape.Terminal(names[0][0]), err)
		}
		for i, res := range results {
			sum.imported.add(res)
			if o.verbose {
				writeImported(a.stdout, names[i], res)
			}
		}
		for _, d := range batchDigests {
			digests[d] = "sha256:" + hashHex(byPath[d].body)
			committed = append(committed, d)
		}
		batch, names, batchDigests, inputs = batch[:0], names[:0], batchDigests[:0], 0
		return nil
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return committed, fmt.Errorf("interrupted after committing %d of %d files (run backfill again): %w", done, len(files), err)
		}
		// No Recipients and no Operator: backfilled history is recorded,
		// never announced, and a quarantined old file is in the summary
		// (exit status 3), not an alert.
		c := store.Cycle{At: a.now().UTC(), Guard: cfg.Guard, Lifecycle: cfg.Lifecycle.Rule(), HoldRebuild: true}
		var stepNames []string
		for _, f := range step.files {
			bar.step(done, f.name)
			done++
			sp := byPath[f.path]
			if sp.body == nil {
				b, err := spool.body(sp.Digest)
				if err != nil {
					return committed, err
				}
				sp.body = b
			}
			at, _ := wayback.CaptureTime(sp.Timestamp)
			in := store.Input{Source: sp.PlaybackURL, Name: sp.Name, Body: sp.body, Published: sp.Published, SeenAt: at,
				Capture: sp.Timestamp, OriginalURL: sp.Original}
			known, err := st.HasFile(ctx, hashHex(sp.body))
			if err != nil {
				return committed, err
			}
			switch {
			case known:
			case sp.file != nil:
				in.Parsed, in.ParseErr = sp.file.Parsed, sp.file.ParseErr
			default:
				var rerr error
				in.Parsed, in.ParseErr, rerr = scraper.CheckWorkbook(sp.body)
				if rerr != nil { // the spool was damaged: fetch it again
					spool.drop(sp.Digest)
					sum.failed = append(sum.failed, fmt.Sprintf("spooled %s: %v", sp.Name, rerr))
					continue
				}
			}
			c.Inputs = append(c.Inputs, in)
			stepNames = append(stepNames, sp.Name)
			batchDigests = append(batchDigests, sp.Digest)
		}
		if len(c.Inputs) == 0 {
			continue
		}
		batch = append(batch, c)
		names = append(names, stepNames)
		if inputs += len(c.Inputs); inputs >= importBatch {
			if err := flush(); err != nil {
				return committed, err
			}
		}
	}
	if err := flush(); err != nil {
		return committed, err
	}
	if err := rebuildHistory(ctx, st, cfg, a.now(), &sum.imported, since); err != nil {
		return committed, err
	}
	bar.done()
	return committed, nil
}

// backfillDryRun lists what a backfill would download, changing nothing:
// the store (when there is one) is only read for what earlier runs did.
func (a *app) backfillDryRun(ctx context.Context, o backfillOpts) error {
	var state wayback.State
	digests := map[string]string{}
	if _, err := os.Stat(a.db); err == nil {
		st, err := a.openStore(cmdReadLocal)
		if err != nil {
			return err
		}
		err = errors.Join(loadMetaJSON(ctx, st, metaBackfillState, &state), loadMetaJSON(ctx, st, metaBackfillDigests, &digests))
		st.Close()
		if err != nil {
			return err
		}
	}
	client, err := a.waybackClient(o, "")
	if err != nil {
		return err
	}
	target := wayback.DefaultTarget()
	target.From, target.To = o.from, o.to
	disc, derr := client.Discover(ctx, target, &state, nil)
	n := 0
	for _, c := range disc.Files {
		if _, ok := digests[c.Capture.Digest]; ok {
			continue
		}
		n++
		fmt.Fprintf(a.stdout, "%s\t%s\t%s\n", c.Capture.Timestamp, escape.TSVField(c.Capture.Original), escape.TSVField(client.PlaybackURL(c.Capture.Timestamp, c.Capture.Original)))
	}
	fmt.Fprintf(a.stdout, "would download %d of %d distinct files (%d captures of files, %d of the page); %d requests so far\n",
		n, len(disc.Files), disc.FileCaptures, disc.PageCaptures, client.Stats().Requests)
	return derr
}

func loadMetaJSON(ctx context.Context, st *store.Store, key string, v any) error {
	s, err := st.Meta(ctx, key)
	if err != nil || s == "" {
		return err
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("meta %s: %w", key, err)
	}
	return nil
}

func saveMetaJSON(ctx context.Context, st *store.Store, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return st.SetMeta(ctx, key, string(b))
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// spool holds downloads until they are committed: one file per body
// (named by its digest) and one index of JSON lines describing them,
// appended after each body is written, so a description is only ever
// beside a whole body. Nothing is synced: the spool is a cache, and what
// is read back from it is checked again (a body torn by a crash no longer
// opens as a workbook, and is fetched again).
type spool struct {
	dir   string
	index *os.File
}

const spoolIndex = "index.jsonl"

// openSpool opens (creating) the spool and returns what an interrupted run
// left in it.
func openSpool(dir string) (*spool, map[string]*spooled, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("spool: %w", err)
	}
	left := map[string]*spooled{}
	b, err := os.ReadFile(filepath.Join(dir, spoolIndex))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("spool: %w", err)
	}
	for line := range bytes.Lines(b) {
		var sp spooled
		if json.Unmarshal(line, &sp) != nil || sp.Digest == "" {
			continue // torn by a crash
		}
		if _, err := os.Stat(spoolBody(dir, sp.Digest)); err == nil {
			left[sp.Digest] = &sp
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, spoolIndex), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("spool: %w", err)
	}
	return &spool{dir: dir, index: f}, left, nil
}

func spoolBody(dir, digest string) string { return filepath.Join(dir, escape.FileName(digest)+".xlsx") }

// add writes a body, then its description.
func (s *spool) add(sp *spooled) error {
	if err := os.WriteFile(spoolBody(s.dir, sp.Digest), sp.body, 0o600); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	b, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	if _, err := s.index.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

func (s *spool) body(digest string) ([]byte, error) {
	b, err := os.ReadFile(spoolBody(s.dir, digest))
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return b, nil
}

// drop forgets one body; its index line is skipped from then on.
func (s *spool) drop(digest string) { os.Remove(spoolBody(s.dir, digest)) }

func (s *spool) close() { s.index.Close() }

// clear removes the spool once everything in it is committed.
func (s *spool) clear() error {
	s.index.Close()
	return os.RemoveAll(s.dir)
}
