package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// importBatch is how many files import commits per transaction.
const importBatch = 16

// importRelease is how many batches import commits between releases of
// the database pages it read (store.ReleaseMapped): the archived files
// land on random leaves, and without it an import of ten years keeps a
// few hundred megabytes of them resident. After every batch: every 4 left
// 40 MB of them between releases (ten years: 160 MB peak, 135 MB with 1,
// for about the same time).
const importRelease = 1

// importMemoryLimit is the heap size from which an import's garbage is
// collected sooner than GOGC would (debug.SetMemoryLimit), unless
// GOMEMLIMIT says otherwise: an import holds about 60 MB (a batch being
// committed, the next one parsed), and left to GOGC's doubling its heap
// reached three times that, for no gain in speed worth having (issue 12:
// 150 MB at ten years). 112 MiB rather than 100: collecting that much
// sooner cost a tenth of the import's CPU, and the pages released after
// every batch leave the room (ten years: 145 MB peak RSS, 42-46 s CPU
// where 100 MiB took 47).
const importMemoryLimit = 112 << 20

// importFile is one spreadsheet found on disk, ordered before it is read.
type importFile struct {
	path      string
	name      string
	published string
	slot      string
	mtime     time.Time
}

// importStep is the files of one publication (one day and slot, or one
// mtime): they are committed as one cycle, so the store decides their
// order from what each file holds (participating before pending, so a
// pending agency that was signed is seen as promoted, not dropped), never
// from a guess at the file name.
type importStep struct {
	files []importFile
}

func runImport(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("import", "FILE|DIR…")
	server := noServerFlag(fs)
	order := fs.String("order", "name", "`order` of the files: name (the published date their names claim) or mtime")
	quiet := fs.Bool("quiet", false, "no progress bar")
	verbose := fs.Bool("verbose", false, "print one line per file once it is committed: \"imported NAME: snapshot ID (STATUS)\" or \"imported NAME: already archived (snapshot ID)\"")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := a.refuseServer(*server, cmdWrite); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: import needs FILE or DIR arguments", errUsage)
	}
	if *order != "name" && *order != "mtime" {
		return fmt.Errorf("%w: --order must be name or mtime, not %q", errUsage, *order)
	}
	files, err := findImportFiles(fs.Args())
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .xlsx files in %s", strings.Join(fs.Args(), " "))
	}
	steps := importSteps(files, *order)

	w, err := a.openWriter(cmdWrite)
	if err != nil {
		return err
	}
	defer w.st.Close()
	cfg, st, n := w.cfg, w.st, w.n
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(importMemoryLimit))
	}

	bar := newProgress(a.stderr, len(files), *quiet)
	var sum importSummary
	since := lastChangeID(ctx, st)
	// Files are committed about importBatch at a time in one transaction
	// each: every transaction ends in an fsync, which on a slow disk costs
	// more than reading the file. An interruption loses at most one batch,
	// and re-running the import redoes it.
	var batch []store.Cycle
	var names [][]string // per cycle, per input
	inputs, batches := 0, 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		results, err := st.CommitBatch(ctx, batch)
		if err != nil {
			return fmt.Errorf("commit %s…: %w", names[0][0], err)
		}
		if batches++; batches%importRelease == 0 {
			if err := st.ReleaseMapped(); err != nil {
				return err
			}
		}
		for i, res := range results {
			sum.add(res)
			if *verbose {
				writeImported(a.stdout, names[i], res)
			}
		}
		batch, names, inputs = batch[:0], names[:0], 0
		return nil
	}
	// The files are read and parsed one step ahead of the commits, on a
	// goroutine of their own: parsing is about a third of an import and
	// the commit of the batch before does not need it, so on two cores
	// the two overlap (issue 12). Files are still handed over in order.
	readCtx, stopReading := context.WithCancel(ctx)
	reads := readAhead(readCtx, st, steps, a.now)
	defer func() {
		stopReading()
		for range reads { // let the reader end before the store closes
		}
	}()
	done := 0
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted after %d of %d files: %w", done, len(files), err)
		}
		// HoldRebuild: files older than the store's latest are put in
		// published order once, after the last batch (rebuildHistory).
		c := store.Cycle{At: a.now().UTC(), Recipients: n.Recipients(), Guard: cfg.Guard, Lifecycle: cfg.Lifecycle.Rule(), Operators: n.Operators(), HoldRebuild: true}
		var stepNames []string
		for _, f := range step.files {
			bar.step(done, f.name)
			done++
			r, ok := <-reads
			if !ok {
				// The reader stops early only when ctx ended.
				return fmt.Errorf("interrupted after %d of %d files: %w", done-1, len(files), cmp.Or(ctx.Err(), context.Canceled))
			}
			in, err := r.in, r.err
			if err != nil {
				return err
			}
			if in == nil {
				continue
			}
			if in.ParseErr != nil && !isQuarantinable(in.ParseErr) {
				sum.failed = append(sum.failed, fmt.Sprintf("%s: %v", f.path, in.ParseErr))
				continue
			}
			c.Inputs = append(c.Inputs, *in)
			stepNames = append(stepNames, f.name)
		}
		if len(c.Inputs) == 0 {
			continue
		}
		batch = append(batch, c)
		names = append(names, stepNames)
		if inputs += len(c.Inputs); inputs >= importBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := rebuildHistory(ctx, st, cfg, a.now(), &sum, since); err != nil {
		return err
	}
	bar.done()
	sum.write(a.stdout, len(files))
	if len(sum.failed) > 0 {
		return fmt.Errorf("%d files could not be read (first: %s)", len(sum.failed), sum.failed[0])
	}
	if sum.quarantined > 0 {
		return errQuarantined
	}
	return nil
}

// importRead is one file read ahead of the commits.
type importRead struct {
	in  *store.Input
	err error
}

// readAhead reads and parses the steps' files in order on a goroutine,
// at most about one batch ahead of the reader of the channel (a batch of
// parsed lists is tens of megabytes). It stops after the first error, and
// when ctx ends; the channel is closed when it stops. A file whose bytes a
// batch still being committed holds is parsed anyway: the store sees its
// digest and records it as a repeat, as it does for repeats in one batch.
func readAhead(ctx context.Context, st *store.Store, steps []importStep, now func() time.Time) <-chan importRead {
	out := make(chan importRead, importBatch)
	go func() {
		defer close(out)
		for _, step := range steps {
			for _, f := range step.files {
				if ctx.Err() != nil {
					return
				}
				in, err := readImport(ctx, st, f, now().UTC())
				select {
				case out <- importRead{in: in, err: err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}
	}()
	return out
}

// readImport reads one file into a store input. Bytes already archived are
// only seen again (last_seen moves), so a re-run or a resumed import does
// not parse them twice.
func readImport(ctx context.Context, st *store.Store, f importFile, at time.Time) (*store.Input, error) {
	body, err := os.ReadFile(f.path)
	if err != nil {
		return nil, err // the *PathError names the file
	}
	in := &store.Input{Source: f.path, Name: f.name, Body: body, Published: f.published, SeenAt: at}
	sum := sha256.Sum256(body)
	known, err := st.HasFile(ctx, hex.EncodeToString(sum[:]))
	if err != nil {
		return nil, err
	}
	if !known {
		in.Parsed, in.ParseErr = sheet.Parse(body)
	}
	return in, nil
}

// findImportFiles expands directories (recursively) into their .xlsx files.
func findImportFiles(args []string) ([]importFile, error) {
	var out []importFile
	add := func(path string, info fs.FileInfo) {
		name := filepath.Base(path)
		f := importFile{path: path, name: name, mtime: info.ModTime()}
		f.published, f.slot, _ = scraper.ParseName(name, info.ModTime())
		out = append(out, f)
	}
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, err // the *PathError names the file
		}
		if !info.IsDir() {
			add(arg, info)
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".xlsx") || strings.HasPrefix(d.Name(), "~$") {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			add(path, info)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", arg, err)
		}
	}
	return out, nil
}

// importSteps orders files as ICE published them (by the date and slot
// their names claim, or by mtime) and groups the files of one publication
// into one step. A file whose name claims no date is a step of its own.
func importSteps(files []importFile, order string) []importStep {
	key := func(f importFile) string {
		if order == "mtime" {
			return f.mtime.UTC().Format(time.RFC3339Nano)
		}
		if f.published == "" {
			return ""
		}
		return f.published + "/" + f.slot
	}
	slices.SortStableFunc(files, func(x, y importFile) int {
		if order == "mtime" {
			if c := x.mtime.Compare(y.mtime); c != 0 {
				return c
			}
		} else {
			if c := cmp.Compare(x.published, y.published); c != 0 {
				return c
			}
			if c := cmp.Compare(scraper.SlotOrder(x.slot), scraper.SlotOrder(y.slot)); c != 0 {
				return c
			}
			if c := cmp.Compare(x.slot, y.slot); c != 0 {
				return c
			}
		}
		return cmp.Compare(x.name, y.name)
	})
	var steps []importStep
	for i, f := range files {
		k := key(f)
		if i > 0 && k != "" && k == key(files[i-1]) {
			last := &steps[len(steps)-1]
			last.files = append(last.files, f)
			continue
		}
		steps = append(steps, importStep{files: []importFile{f}})
	}
	return steps
}

// writeImported prints the --verbose line for one committed file. It is
// written only after the commit returns, so a reader (a script, or the crash
// test) knows every file it has seen a line for is safely in the store.
func writeImported(w io.Writer, names []string, r *store.CycleResult) {
	for i, o := range r.Outcomes {
		name := escape.Terminal(names[i])
		if o.New {
			fmt.Fprintf(w, "imported %s: snapshot %d (%s)\n", name, o.Snapshot.ID, o.Snapshot.Status)
		} else {
			fmt.Fprintf(w, "imported %s: already archived (snapshot %d)\n", name, o.Snapshot.ID)
		}
	}
}

type importSummary struct {
	newSnapshots, repeats, quarantined int
	added, removed, changed            int
	ended, restored                    int
	failed                             []string
}

func (s *importSummary) add(r *store.CycleResult) {
	for _, o := range r.Outcomes {
		switch {
		case !o.New:
			s.repeats++
		case o.Snapshot.Status == store.Quarantined:
			s.quarantined++
			s.newSnapshots++
		default:
			s.newSnapshots++
		}
		if o.Result != nil {
			s.added += len(o.Result.Added)
			s.removed += len(o.Result.Removed)
			s.changed += len(o.Result.Changed)
		}
	}
	// The lifecycle's changes (issue 11) are not in a comparison's result.
	for _, c := range r.Changes {
		switch c.Kind {
		case diff.Ended:
			s.ended++
		case diff.Restored:
			s.restored++
		}
	}
}

func (s *importSummary) write(w io.Writer, files int) {
	// A file that could not be read was not imported: it is named below.
	fmt.Fprintf(w, "imported %d files: %d new snapshots, %d already archived, %d quarantined\n",
		files-len(s.failed), s.newSnapshots, s.repeats, s.quarantined)
	fmt.Fprintf(w, "changes: %d added, %d removed (missing), %d changed, %d ended, %d restored\n", s.added, s.removed, s.changed, s.ended, s.restored)
	for _, f := range s.failed {
		fmt.Fprintf(w, "unreadable: %s\n", escape.Terminal(f))
	}
}

// progress draws a one-line bar on a terminal and nothing in a pipe.
type progress struct {
	w     io.Writer
	total int
	on    bool
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, total: total, on: !quiet && ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) step(i int, name string) {
	if !p.on {
		return
	}
	const width = 30
	filled := width * i / p.total
	name = escape.Terminal(name)
	if r := []rune(name); len(r) > 40 {
		name = string(r[:40])
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %-40s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), i, p.total, name)
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 90))
	}
}
