package web

import (
	"net/http"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

type recordVersion struct {
	From string
	R    sheet.Record
}

type agreementPage struct {
	pageBase
	A        store.AgreementInfo
	Changes  []diff.Change
	Versions []recordVersion
}

// agreementPage serves GET /agreements/{id}: the agreement now, its
// timeline and every version of its record.
func (s *Server) agreementPage(r *http.Request) *response {
	info, changes, err := s.store.Agreement(r.Context(), r.PathValue("id"))
	if err != nil {
		return s.pageError(r, err)
	}
	d := agreementPage{A: info, Changes: changes}
	// The first version is the record before the first change, or the
	// current record when nothing ever changed.
	first := info.Record
	if len(changes) > 0 && changes[0].Before != nil {
		first = *changes[0].Before
	}
	d.Versions = append(d.Versions, recordVersion{From: info.FirstPublished, R: first})
	for _, c := range changes {
		if c.Kind == diff.Changed && c.After != nil {
			d.Versions = append(d.Versions, recordVersion{From: c.AfterPublished, R: *c.After})
		}
	}
	return s.render(http.StatusOK, "agreement", d)
}
