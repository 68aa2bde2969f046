package main

import (
	"context"
	"fmt"
	"io"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/tracker"
)

// runFetch runs one fetch cycle and delivers the outbox, so a system cron
// job running `watch287g fetch` does everything `serve` would.
func runFetch(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("fetch", "")
	server := noServerFlag(fs)
	pageURL := fs.String("page-url", "", "the `URL` of ICE's 287(g) page (default from config)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := a.refuseServer(*server, cmdFetch); err != nil {
		return err
	}
	w, err := a.openWriter(cmdFetch)
	if err != nil {
		return err
	}
	defer w.st.Close()
	cfg, st, n := w.cfg, w.st, w.n
	if *pageURL != "" {
		cfg.PageURL = *pageURL
	}
	rep, err := a.newTracker(cfg, st, n, nil).Cycle(ctx)
	writeReport(a.stdout, rep)
	if err != nil {
		return err
	}
	if rep.Quarantined() {
		return errQuarantined
	}
	return nil
}

// writeReport prints what a cycle downloaded, what answered 304, the new
// snapshots and the changes by kind.
func writeReport(w io.Writer, rep *tracker.Report) {
	if rep == nil || rep.Fetch == nil {
		return
	}
	for _, f := range rep.Fetch.Files {
		switch {
		case f.NotModified:
			fmt.Fprintf(w, "not modified (304): %s\n", dash(escape.RedactURL(f.URL)))
		default:
			fmt.Fprintf(w, "downloaded: %s (%s, %d bytes) from %s\n", dash(f.Name), f.List, len(f.Body), dash(escape.RedactURL(f.URL)))
		}
	}
	for _, warn := range rep.Fetch.Warnings {
		fmt.Fprintf(w, "warning: %s\n", dash(fmt.Sprint(warn)))
	}
	if rep.Commit == nil {
		return
	}
	var added, removed, changed int
	for _, o := range rep.Commit.Outcomes {
		s := o.Snapshot
		switch {
		case !o.New:
			fmt.Fprintf(w, "already archived: snapshot %d (%s, %s)\n", s.ID, s.List, dash(s.FileName))
		case s.Status == store.Quarantined:
			fmt.Fprintf(w, "QUARANTINED: snapshot %d (%s, %s): %s\n  review it, then run: watch287g accept %d\n", s.ID, s.List, dash(s.FileName), dash(s.Reason), s.ID)
		case s.Baseline:
			fmt.Fprintf(w, "new snapshot %d (%s, %s): baseline of %d agreements (recorded, not announced)\n", s.ID, s.List, dash(s.FileName), s.Agreements)
		default:
			fmt.Fprintf(w, "new snapshot %d (%s, %s): %d agreements\n", s.ID, s.List, dash(s.FileName), s.Agreements)
		}
		if o.Result != nil {
			added += len(o.Result.Added)
			removed += len(o.Result.Removed)
			changed += len(o.Result.Changed)
		}
	}
	var ended, restored int
	for _, c := range rep.Commit.Changes { // the lifecycle's (issue 11)
		switch c.Kind {
		case diff.Ended:
			ended++
		case diff.Restored:
			restored++
		}
	}
	fmt.Fprintf(w, "changes: %d added, %d removed (missing), %d changed, %d ended, %d restored\n", added, removed, changed, ended, restored)
}
