package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// maxCSVRows caps one download: more rows than any list has had, few
// enough that one request cannot make the server build an unbounded body.
const maxCSVRows = 50000

// csvResponse is a table as a CSV download named name. Every cell goes
// through escape.CSVCell (values come from ICE's files and would run as
// formulas in a spreadsheet); the name through escape.FileName. The URL
// is stable and answers without cookies or redirects, so a spreadsheet's
// IMPORTDATA can pull it.
func csvResponse(name string, header []string, rows [][]string) *response {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(header) // a bytes.Buffer does not fail
	cells := make([]string, 0, len(header))
	for _, row := range rows {
		cells = cells[:0]
		for _, c := range row {
			cells = append(cells, escape.CSVCell(c))
		}
		_ = w.Write(cells)
	}
	w.Flush()
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": escape.FileName(name)})
	if disp == "" {
		disp = "attachment"
	}
	return &response{status: http.StatusOK, contentType: "text/csv; charset=utf-8", body: b.Bytes(), disposition: disp}
}

// changesCSV is changes in diff's one change CSV layout.
func changesCSV(name string, changes []diff.Change) *response {
	rows := make([][]string, 0, len(changes))
	for i := range changes {
		rows = append(rows, diff.ChangeCSVRow(&changes[i]))
	}
	return csvResponse(name, diff.ChangeCSVHeader(), rows)
}

// agreementCSVHeader is the layout of every agreement download. county
// is the list's COUNTY column where it has one (geography may fill it
// for every agreement later); ended is the published date of the list
// that dropped a participating agreement that has not come back.
var agreementCSVHeader = []string{"id", "list", "status", "state", "agency", "county", "type", "model",
	"signed", "moa_url", "first_published", "last_published", "ended", "agency_id"}

// agreementRow is one agreement under agreementCSVHeader.
func agreementRow(a *store.AgreementInfo, ended string) []string {
	// active, or the store's lifecycle status of one no longer listed:
	// missing (not yet confirmed) or ended.
	status := "active"
	switch {
	case a.Active:
	case a.List == sheet.Pending:
		status = "left pending list"
	case a.Status == diff.StatusMerged:
		status = "merged"
	case a.Status == diff.StatusMissing:
		status = "missing"
	default:
		status = "ended"
	}
	r := &a.Record
	return []string{a.ID, string(a.List), status, r.State, r.Agency, county(r.Extra), r.Type, sheet.ModelLabel(r.Model),
		r.Signed, r.MOAURL, a.FirstPublished, a.LastPublished, ended, agencyID(r.State, r.Agency)}
}

// agreementsCSV is every agreement keep accepts, ever (ended ones and
// pending records too), as a download named name.
func (s *Server) agreementsCSV(r *http.Request, name string, keep func(*store.AgreementInfo) bool) *response {
	all, err := s.store.FindAgreements(r.Context(), "")
	if err != nil {
		return s.pageError(r, err)
	}
	ended, err := s.endingsIn(r.Context(), all, nil, 0, false)
	if err != nil {
		return s.pageError(r, err)
	}
	endedOn := make(map[string]string, len(ended))
	for _, e := range ended {
		endedOn[e.A.ID] = e.Ended
	}
	rows := [][]string{}
	for i := range all {
		if keep(&all[i]) {
			rows = append(rows, agreementRow(&all[i], endedOn[all[i].ID]))
		}
	}
	return csvResponse(name, agreementCSVHeader, rows)
}

// allAgreementsDownload serves GET /agreements.csv: every agreement ever
// listed, optionally of one state (?state=TX) or list (?list=pending).
func (s *Server) allAgreementsDownload(r *http.Request) *response {
	q := r.URL.Query()
	state, list := strings.ToUpper(q.Get("state")), q.Get("list")
	if state != "" && !sheet.ValidState(state) {
		return s.pageError(r, badRequest("state takes a state code such as TX, not %q", q.Get("state")))
	}
	if list != "" && list != string(sheet.Participating) && list != string(sheet.Pending) {
		return s.pageError(r, badRequest("list takes participating or pending, not %q", list))
	}
	name := "agreements"
	for _, v := range []string{strings.ToLower(state), list} {
		if v != "" {
			name += "-" + v
		}
	}
	return s.agreementsCSV(r, name+".csv", func(a *store.AgreementInfo) bool {
		return (state == "" || a.State == state) && (list == "" || string(a.List) == list)
	})
}

// changesDownload serves GET /changes.csv: /changes's filters (state,
// model, kind, list, since, until), every matching change newest first up
// to limit (maxCSVRows when absent), not one page.
func (s *Server) changesDownload(r *http.Request) *response {
	q := r.URL.Query()
	for _, k := range []string{"state", "kind", "model", "list", "since", "until", "cursor"} {
		if q.Get(k) == "" {
			q.Del(k)
		}
	}
	limit := q.Get("limit")
	q.Del("limit")
	cq, err := changeQuery(q)
	if err != nil {
		return s.pageError(r, err)
	}
	cq.Limit = maxCSVRows
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 {
			return s.pageError(r, badRequest("limit takes a number from 1 to %d, not %q", maxCSVRows, limit))
		}
		cq.Limit = min(n, maxCSVRows)
	}
	changes, _, err := s.store.Changes(r.Context(), cq)
	if err != nil {
		return s.pageError(r, err)
	}
	name := "changes"
	for _, k := range []string{"state", "model", "kind", "list", "since", "until"} {
		for _, v := range q[k] {
			name += "-" + v
		}
	}
	return changesCSV(name+".csv", changes)
}

// stateDownload serves GET /states/{code}/agreements.csv: every agreement
// of the state the store knows, the ended ones and the pending records
// too, with its status.
func (s *Server) stateDownload(r *http.Request) *response {
	code := strings.ToUpper(r.PathValue("code"))
	if !sheet.ValidState(code) {
		return s.pageError(r, fmt.Errorf("state %q: %w", code, store.ErrNotFound))
	}
	return s.agreementsCSV(r, strings.ToLower(code)+"-agreements.csv", func(a *store.AgreementInfo) bool { return a.State == code })
}

// statesDownload serves GET /states.csv: the overview's table.
func (s *Server) statesDownload(r *http.Request) *response {
	d, err := s.overviewData(r)
	if err != nil {
		return s.pageError(r, err)
	}
	rows := [][]string{}
	for _, st := range d.States {
		rows = append(rows, []string{st.Code, st.Name, strconv.Itoa(st.Participating), strconv.Itoa(st.Jail),
			strconv.Itoa(st.WSO), strconv.Itoa(st.TaskForce), strconv.Itoa(st.Pending), strconv.Itoa(st.Ended)})
	}
	return csvResponse("states.csv", []string{"state", "name", "participating", "jail_enforcement",
		"warrant_service_officer", "task_force", "pending", "ended_" + strconv.Itoa(d.Year)}, rows)
}

// snapshotsCSVHeader is the layout of /snapshots.csv.
var snapshotsCSVHeader = []string{"id", "published", "list", "status", "agreements", "added", "removed",
	"changed", "file_name", "sha256", "source_url", "first_seen", "last_seen"}

// snapshotsCSVChunk is how many snapshots the download reads at a time
// (a variable so a test can make it small).
var snapshotsCSVChunk = 500

// snapshotsDownload serves GET /snapshots.csv: the archive's table, every
// file oldest first. It is streamed a chunk of snapshots at a time rather
// than rendered and cached whole: ten years are some 7,000 rows, and a
// burst of downloads must not each hold a copy. The ETag is the store
// version's like every cached answer, and the rows stop at the newest
// snapshot of that version.
func (s *Server) snapshotsDownload(w http.ResponseWriter, r *http.Request) {
	ver, err := s.version(r.Context(), false)
	if err != nil {
		s.log.Error("read store version", slog.Any("error", err))
		s.write(w, r, s.pageError(r, err), "")
		return
	}
	etag := etagFor(ver, "/snapshots.csv?")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	release, err := s.pageLimit.acquire(r.Context())
	if err != nil {
		resp := s.errorFor(r, http.StatusServiceUnavailable, "the server is busy: try again in a few seconds")
		resp.retryAfter = "5"
		s.write(w, r, resp, "")
		return
	}
	defer release()
	ctx := r.Context()
	newest, _, err := s.store.SnapshotsPage(ctx, 0, 1)
	if err != nil {
		s.write(w, r, s.pageError(r, err), "")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "snapshots.csv"}))
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(snapshotsCSVHeader) // a write error is the client gone; the next chunk's ctx check ends it
	if len(newest) == 0 {
		cw.Flush()
		return
	}
	last := newest[0].ID
	cells := make([]string, len(snapshotsCSVHeader))
	for after := uint64(0); after < last; {
		snaps, err := s.store.SnapshotsAfter(ctx, after, snapshotsCSVChunk)
		if err != nil {
			// Headers are out: abort, so the client sees a broken
			// download rather than a complete-looking short one.
			s.log.Error("snapshots download", slog.Any("error", err))
			panic(http.ErrAbortHandler)
		}
		if len(snaps) == 0 {
			break
		}
		for _, sn := range snaps {
			if sn.ID > last {
				break
			}
			row := []string{strconv.FormatUint(sn.ID, 10), sn.Published, string(sn.List), sn.Status,
				strconv.Itoa(sn.Agreements), strconv.Itoa(sn.Added), strconv.Itoa(sn.Removed), strconv.Itoa(sn.Changed),
				sn.FileName, sn.SHA256, sn.SourceURL, sn.FirstSeen.UTC().Format(time.RFC3339), sn.LastSeen.UTC().Format(time.RFC3339)}
			for i, c := range row {
				cells[i] = escape.CSVCell(c)
			}
			_ = cw.Write(cells)
		}
		after = snaps[len(snaps)-1].ID
		cw.Flush()
		if cw.Error() != nil {
			return // the client went away
		}
	}
	cw.Flush()
}
