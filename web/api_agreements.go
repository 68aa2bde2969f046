package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// agreementsBody is /api/v1/agreements, the CLI's
// {"snapshot", "agreements": [{"id", …Record}]}. Snapshot is null when the
// list has no accepted snapshot yet.
type agreementsBody struct {
	Snapshot   *store.Snapshot  `json:"snapshot"`
	Agreements []diff.Agreement `json:"agreements"`
}

// agreementBody is /api/v1/agreements/{id}: the agreement as it stands and
// every change it went through, oldest first.
type agreementBody struct {
	Agreement store.AgreementInfo `json:"agreement"`
	Changes   []diff.Change       `json:"changes"`
}

// listAgreements answers the agreements of one list now, or at a date or
// snapshot id, filtered by state and model.
func (s *Server) listAgreements(r *http.Request, q url.Values) (agreementsBody, error) {
	list := sheet.Participating
	switch l := q.Get("list"); l {
	case "", string(sheet.Participating):
	case string(sheet.Pending):
		list = sheet.Pending
	default:
		return agreementsBody{}, badRequest("list takes participating or pending, not %q", l)
	}
	f, err := changeFilter(url.Values{"state": q["state"], "model": q["model"]}, false)
	if err != nil {
		return agreementsBody{}, err
	}
	var snap store.Snapshot
	var all []diff.Agreement
	at := q.Get("at")
	switch id, perr := strconv.ParseUint(at, 10, 64); {
	case at == "":
		snap, all, err = s.store.Agreements(r.Context(), list, 0)
		if errors.Is(err, store.ErrNotFound) {
			return agreementsBody{Agreements: []diff.Agreement{}}, nil
		}
	case perr == nil:
		snap, all, err = s.store.Agreements(r.Context(), list, id)
	default:
		if _, terr := time.Parse(time.DateOnly, at); terr != nil {
			return agreementsBody{}, badRequest("at takes a date YYYY-MM-DD or a snapshot id, not %q", at)
		}
		snap, all, err = s.store.AgreementsAt(r.Context(), list, at)
	}
	if err != nil {
		return agreementsBody{}, err
	}
	return agreementsBody{Snapshot: &snap, Agreements: f.Agreements(all)}, nil
}

// apiAgreements serves GET /api/v1/agreements.
func (s *Server) apiAgreements(r *http.Request) *response {
	body, err := s.listAgreements(r, r.URL.Query())
	if err != nil {
		return s.apiError(r, err)
	}
	return jsonResponse(http.StatusOK, body)
}

// apiAgreement serves GET /api/v1/agreements/{id}.
func (s *Server) apiAgreement(r *http.Request) *response {
	info, changes, err := s.store.Agreement(r.Context(), r.PathValue("id"))
	if err != nil {
		return s.apiError(r, err)
	}
	if changes == nil {
		changes = []diff.Change{}
	}
	return jsonResponse(http.StatusOK, agreementBody{Agreement: info, Changes: changes})
}

// apiSearch serves GET /api/v1/search?q=: agreements whose agency or id
// matches, as {"agreements": [AgreementInfo…]}.
func (s *Server) apiSearch(r *http.Request) *response {
	query := r.URL.Query().Get("q")
	if query == "" {
		return s.apiError(r, badRequest("q is required"))
	}
	found, err := s.store.FindAgreements(r.Context(), query)
	if err != nil {
		return s.apiError(r, err)
	}
	if found == nil {
		found = []store.AgreementInfo{}
	}
	return jsonResponse(http.StatusOK, map[string]any{"agreements": found})
}
