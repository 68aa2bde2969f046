package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/watch287g/watch287g/config"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/moafetch"
	"github.com/watch287g/watch287g/notify"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/wayback"
)

// documentRow is one linked address as `documents --format json` prints
// it; scripts rely on its field names.
type documentRow struct {
	URL          string                  `json:"url"`
	Role         string                  `json:"role"`
	Status       string                  `json:"status"`
	Agreements   []string                `json:"agreements"`
	Unlinked     bool                    `json:"unlinked"` // no agreement's latest record links it now
	SHA256       string                  `json:"sha256,omitempty"`
	Size         int64                   `json:"size,omitempty"`
	Pages        int                     `json:"pages,omitempty"`
	HasText      bool                    `json:"has_text"`
	LEA          string                  `json:"lea,omitempty"`
	Model        string                  `json:"model,omitempty"`
	Versions     []store.DocumentVersion `json:"versions"`
	LastModified string                  `json:"last_modified,omitempty"`
	FirstLinked  time.Time               `json:"first_linked"`
	LastSeen     time.Time               `json:"last_seen,omitzero"`
	LastCheck    time.Time               `json:"last_check,omitzero"`
	HTTPStatus   int                     `json:"http_status,omitempty"`
	Failures     int                     `json:"failures,omitempty"`
	LastError    string                  `json:"last_error,omitempty"`
	// Contradictions: the MOA names another agency or model than an
	// agreement linking it.
	Contradictions []store.DocumentContradiction `json:"contradictions"`
	// Wayback is a copy of a link dead before any copy was archived here,
	// recovered from the Wayback Machine.
	Wayback        *store.DocumentCapture `json:"wayback,omitempty"`
	WaybackChecked time.Time              `json:"wayback_checked,omitzero"`
}

// documentStatuses are the values --status takes.
var documentStatuses = []string{store.DocumentOK, store.DocumentGone, store.DocumentNew}

// runDocumentsList prints the archive: every linked MOA and addendum
// address with its status and the PDF last archived from it.
func runDocumentsList(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("documents", "[list] [--agreement ID] [--status ok|gone|new]   (also: documents fetch, documents read FILE, documents search QUERY)")
	server := noServerFlag(fs)
	agreement := fs.String("agreement", "", "only the documents agreement `ID` links")
	status := fs.String("status", "", "only documents in `STATUS`: ok, gone or new (never fetched successfully)")
	format := formatFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	// Flags go anywhere: `documents --status gone list` names list after them.
	if fs.NArg() != 1 || fs.Arg(0) != "list" {
		if err := noArgs(fs); err != nil {
			return err
		}
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *status != "" && !contains(documentStatuses, *status) {
		return fmt.Errorf("%w: --status must be ok, gone or new, not %q", errUsage, escape.Terminal(*status))
	}
	st, err := a.openLocal(*server, cmdReadLocal)
	if err != nil {
		return err
	}
	defer st.Close()
	var urls []store.DocumentURL
	if *agreement != "" {
		if _, _, err := st.Agreement(ctx, *agreement); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no agreement %q (see `watch287g agreements`)", escape.Terminal(*agreement))
		} else if err != nil {
			return err
		}
		urls, err = st.DocumentsForAgreement(ctx, *agreement)
	} else {
		urls, err = st.DocumentURLs(ctx)
	}
	if err != nil {
		return err
	}
	files, err := st.DocumentFiles(ctx)
	if err != nil {
		return err
	}
	bySHA := make(map[string]store.DocumentFile, len(files))
	for _, f := range files {
		bySHA[f.SHA256] = f
	}
	rows := []documentRow{}
	for _, u := range urls {
		if *status != "" && u.Status != *status {
			continue
		}
		rows = append(rows, newDocumentRow(u, bySHA[u.SHA256]))
	}
	switch *format {
	case formatJSON:
		return writeJSON(a.stdout, rows)
	case formatCSV:
		return writeDocumentsCSV(a.stdout, rows)
	}
	return writeDocumentsText(a.stdout, rows)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// newDocumentRow joins an address's state with its archived PDF. The
// address and the error text come from outside: credentials are redacted
// here, and each writer escapes for its format.
func newDocumentRow(u store.DocumentURL, f store.DocumentFile) documentRow {
	r := documentRow{
		URL: escape.RedactURL(u.URL), Role: u.Role, Status: u.Status, Agreements: u.Agreements, Unlinked: u.Unlinked,
		SHA256: u.SHA256, Versions: u.Versions, LastModified: u.LastModified,
		FirstLinked: u.FirstLinked, LastSeen: u.LastSeen, LastCheck: u.LastCheck,
		HTTPStatus: u.HTTPStatus, Failures: u.Failures, LastError: u.LastError,
		Contradictions: u.Contradictions, Wayback: u.Wayback, WaybackChecked: u.WaybackChecked,
	}
	if r.Contradictions == nil {
		r.Contradictions = []store.DocumentContradiction{}
	}
	if r.Agreements == nil {
		r.Agreements = []string{}
	}
	if r.Versions == nil {
		r.Versions = []store.DocumentVersion{}
	}
	if u.SHA256 != "" {
		r.Size, r.Pages, r.HasText = f.Size, f.Pages, f.HasText
		r.LEA, r.Model = f.Fields.LEA, f.Fields.Model
	}
	return r
}

func waybackCell(c *store.DocumentCapture) string {
	if c == nil {
		return ""
	}
	return escape.RedactURL(c.PlaybackURL)
}

// contradictionText is "id: reason; reason | id: …".
func contradictionText(cs []store.DocumentContradiction) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, c.AgreementID+": "+strings.Join(c.Reasons, "; "))
	}
	return strings.Join(parts, " | ")
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

var documentsCSVHeader = []string{"url", "role", "status", "agreements", "sha256", "size", "pages", "has_text", "lea", "model", "versions", "last_modified", "first_linked", "last_seen", "last_check", "http_status", "failures", "last_error", "contradictions", "wayback_playback_url"}

func writeDocumentsCSV(w io.Writer, rows []documentRow) error {
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, []string{
			r.URL, r.Role, r.Status, strings.Join(r.Agreements, " "), r.SHA256, fmt.Sprint(r.Size), fmt.Sprint(r.Pages),
			fmt.Sprint(r.HasText), r.LEA, r.Model, fmt.Sprint(len(r.Versions)), r.LastModified,
			timeCell(r.FirstLinked), timeCell(r.LastSeen), timeCell(r.LastCheck), fmt.Sprint(r.HTTPStatus), fmt.Sprint(r.Failures), r.LastError,
			contradictionText(r.Contradictions), waybackCell(r.Wayback),
		})
	}
	return writeCSV(w, documentsCSVHeader, out)
}

// writeDocumentsText prints one line per address, then a count by status.
func writeDocumentsText(w io.Writer, rows []documentRow) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no documents (run `watch287g documents fetch` after a list has been fetched)")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tROLE\tAGREEMENTS\tSHA256\tLAST CHECK\tURL")
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Status]++
		sha := r.SHA256
		if len(sha) > 12 {
			sha = sha[:12]
		}
		check := "never"
		if !r.LastCheck.IsZero() {
			check = r.LastCheck.UTC().Format("2006-01-02 15:04")
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", r.Status, r.Role, escape.Terminal(strings.Join(r.Agreements, ",")), dash(sha), check, escape.Terminal(r.URL))
		if r.LastError != "" {
			line += "  (" + escape.Terminal(r.LastError) + ")"
		}
		if r.Wayback != nil {
			line += "  (wayback copy " + r.Wayback.Timestamp + ")"
		}
		if r.Unlinked {
			line += "  (no longer linked)"
		}
		if len(r.Contradictions) > 0 {
			line += "  CONTRADICTS: " + escape.Terminal(contradictionText(r.Contradictions))
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d documents: %d ok, %d gone, %d new\n", len(rows), counts[store.DocumentOK], counts[store.DocumentGone], counts[store.DocumentNew])
	return err
}

// runDocumentsFetch runs one document round now, then delivers the outbox
// (the changes it found, an alert if ICE blocked it), as `fetch` does for
// the lists.
func runDocumentsFetch(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("documents fetch", "")
	server := noServerFlag(fs)
	delay := fs.Duration("delay", moafetch.DefaultDelay, "pause between two requests")
	maxRe := fs.Int("max-revalidate", moafetch.DefaultMaxRevalidate, "revalidate at most `N` known documents this round")
	format := fs.String("format", formatText, "output `format`: text or json")
	waybackURL := fs.String("wayback-url", "", "the archive `URL` dead links are looked up in (default: wayback_url in the config, $WATCH287G_WAYBACK_URL, https://web.archive.org)")
	noWayback := fs.Bool("no-wayback", false, "never look dead links up in the Wayback Machine")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *format != formatText && *format != formatJSON {
		return fmt.Errorf("%w: --format must be text or json, not %q", errUsage, escape.Terminal(*format))
	}
	if *delay < 0 || *maxRe < 1 {
		return fmt.Errorf("%w: --delay must not be negative and --max-revalidate must be at least 1", errUsage)
	}
	if err := a.refuseServer(*server, cmdFetch); err != nil {
		return err
	}
	w, err := a.openWriter(cmdFetch)
	if err != nil {
		return err
	}
	defer w.st.Close()
	d := *delay
	if d == 0 {
		d = moafetch.NoDelay
	}
	wb, err := a.documentsWayback(w.cfg, *waybackURL, *noWayback, *delay)
	if err != nil {
		return err
	}
	f := moafetch.New(w.st, moafetch.Options{
		UserAgent:     w.cfg.ScraperOptions().UserAgent,
		Delay:         d,
		MaxRevalidate: *maxRe,
		Recipients:    w.n.Recipients(),
		Operators:     w.n.Operators(),
		Wayback:       wb,
		Logger:        a.log,
		Now:           a.now,
	})
	sum, rerr := f.Round(ctx)
	if ctx.Err() == nil {
		if err := w.n.Deliver(ctx, a.now()); err != nil {
			a.log.Warn("deliver after the document round", "error", err)
		}
	}
	if *format == formatJSON {
		if err := writeJSON(a.stdout, sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "documents: %d linked (%d new), %d requests: %d archived, %d unchanged, %d not modified (304), %d gone, %d failed; %d changes; %d recovered from the Wayback Machine; %d left for a later round\n",
			sum.Links, sum.NewLinks, sum.Requests, sum.Archived, sum.Unchanged, sum.NotModified, sum.Gone, sum.Failed, sum.Changes, sum.Recovered, sum.Left)
		if sum.Baseline {
			fmt.Fprintln(a.stdout, "first archive of the lists' documents: changes recorded, not announced")
		}
	}
	return rerr
}

// startDocumentRounds runs document rounds every `every`, and soon after a
// list brings new links, beside serve's list schedule (never when fetching
// is off or every is 0); the returned
// channel closes once the rounds have stopped after ctx ends, so serve
// closes the store only after.
func (a *app) startDocumentRounds(ctx context.Context, cfg *config.Config, st *store.Store, n *notify.Notifier, every time.Duration, off bool) <-chan struct{} {
	done := make(chan struct{})
	if off || every <= 0 {
		close(done)
		return done
	}
	wb, err := a.documentsWayback(cfg, "", false, wayback.DefaultDelay)
	if err != nil {
		a.log.Warn("document rounds will not look dead links up in the Wayback Machine", "error", err)
		wb = nil
	}
	f := moafetch.New(st, moafetch.Options{
		UserAgent:  cfg.ScraperOptions().UserAgent,
		Recipients: n.Recipients(),
		Operators:  n.Operators(),
		Wayback:    wb,
		Logger:     a.log,
		Now:        a.now,
	})
	go func() {
		defer close(done)
		_ = f.Run(ctx, every) // Run logs its rounds' errors and returns nil
	}()
	return done
}

// documentsWayback is the client dead links are looked up with: the
// backfill's archive (url, else the config's wayback_url), or nil when off.
func (a *app) documentsWayback(cfg *config.Config, url string, off bool, delay time.Duration) (moafetch.Wayback, error) {
	if off {
		return nil, nil
	}
	if url == "" {
		url = cfg.WaybackURL
	}
	c, err := a.waybackClient(backfillOpts{url: url, delay: delay}, cfg.ScraperOptions().UserAgent)
	if err != nil {
		return nil, fmt.Errorf("wayback: %w", err)
	}
	return c, nil
}
