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
	// Documents are the archived MOA and addendum it links (documents.go).
	Documents []store.DocumentURL
}

// agreementPage serves GET /agreements/{id}: the agreement now, its
// timeline and every version of its record.
func (s *Server) agreementPage(r *http.Request) *response {
	info, changes, err := s.store.Agreement(r.Context(), r.PathValue("id"))
	if err != nil {
		return s.pageError(r, err)
	}
	d := agreementPage{A: info, Changes: changes, Versions: versions(info, changes), Documents: s.agreementDocuments(r.Context(), info.ID)}
	return s.render(http.StatusOK, "agreement", d)
}

// versions lists the record as ICE published it each time it changed,
// oldest first, each taken from the change that brought it: the record
// today is not the record of the day the agreement was first listed.
func versions(info store.AgreementInfo, changes []diff.Change) []recordVersion {
	var out []recordVersion
	for i, c := range changes {
		if i == 0 && c.Before != nil {
			// Listed (in a baseline) before its first change: the
			// record it had until then.
			out = append(out, recordVersion{From: info.FirstPublished, R: *c.Before})
		}
		if c.After != nil && c.Kind != diff.Removed {
			out = append(out, recordVersion{From: c.AfterPublished, R: *c.After})
		}
	}
	if len(out) == 0 {
		// Never changed since it was first listed.
		out = append(out, recordVersion{From: info.FirstPublished, R: info.Record})
	}
	return out
}
