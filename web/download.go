package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

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

// agreementCSVHeader is the layout of every agreement download.
var agreementCSVHeader = []string{"id", "list", "status", "state", "agency", "type", "model",
	"signed", "moa_url", "first_published", "last_published", "agency_id"}

// agreementRow is one agreement under agreementCSVHeader.
func agreementRow(id string, list sheet.List, active bool, r *sheet.Record, first, last string) []string {
	status := "active"
	if !active {
		status = "ended"
		if list == sheet.Pending {
			status = "left pending list"
		}
	}
	return []string{id, string(list), status, r.State, r.Agency, r.Type, sheet.ModelLabel(r.Model),
		r.Signed, r.MOAURL, first, last, agencyID(r.State, r.Agency)}
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
	all, err := s.store.FindAgreements(r.Context(), "")
	if err != nil {
		return s.pageError(r, err)
	}
	var rows [][]string
	for _, a := range all {
		if a.State == code {
			rows = append(rows, agreementRow(a.ID, a.List, a.Active, &a.Record, a.FirstPublished, a.LastPublished))
		}
	}
	return csvResponse(strings.ToLower(code)+"-agreements.csv", agreementCSVHeader, rows)
}
