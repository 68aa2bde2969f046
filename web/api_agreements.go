package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// listAgreements answers the agreements of one list now, or at a date or
// snapshot id, filtered by state and model.
func (s *Server) listAgreements(r *http.Request, q url.Values) (AgreementsResponse, error) {
	list := sheet.Participating
	switch l := q.Get("list"); l {
	case "", string(sheet.Participating):
	case string(sheet.Pending):
		list = sheet.Pending
	default:
		return AgreementsResponse{}, badRequest("list takes participating or pending, not %q", l)
	}
	f, err := changeFilter(url.Values{"state": q["state"], "model": q["model"]}, false)
	if err != nil {
		return AgreementsResponse{}, err
	}
	var snap store.Snapshot
	var all []diff.Agreement
	at := q.Get("at")
	switch id, perr := strconv.ParseUint(at, 10, 64); {
	case at == "":
		snap, all, err = s.store.Agreements(r.Context(), list, 0)
		if errors.Is(err, store.ErrNotFound) {
			return AgreementsResponse{Agreements: []diff.Agreement{}}, nil
		}
	case perr == nil:
		if q.Get("list") == "" {
			list = "" // a snapshot id names its list
		}
		snap, all, err = s.store.Agreements(r.Context(), list, id)
	default:
		if _, terr := time.Parse(time.DateOnly, at); terr != nil {
			return AgreementsResponse{}, badRequest("at takes a date YYYY-MM-DD or a snapshot id, not %q", at)
		}
		snap, all, err = s.store.AgreementsAt(r.Context(), list, at)
	}
	if err != nil {
		return AgreementsResponse{}, err
	}
	found := f.Agreements(all)
	if found == nil {
		found = []diff.Agreement{}
	}
	return AgreementsResponse{Snapshot: &snap, Agreements: found}, nil
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
	return jsonResponse(http.StatusOK, AgreementResponse{Agreement: info, Changes: changes})
}

// MaxSearchQuery is the longest q, in bytes, that search takes: the
// longest agency name ICE has published is about 120 bytes, and a longer q
// would only make every page that echoes it bigger.
const MaxSearchQuery = 200

// Result paging of /api/v1/search and /search.
const (
	DefaultSearchLimit = 50
	MaxSearchLimit     = 200
)

// searchQuery is a validated search request.
type searchQuery struct {
	Q             string
	Limit, Offset int
}

// parseSearch reads q, limit and offset. An empty q is valid (no search);
// a q over MaxSearchQuery bytes is a bad request, never truncated behind
// the reader's back.
func parseSearch(v url.Values) (searchQuery, error) {
	sq := searchQuery{Q: strings.TrimSpace(v.Get("q")), Limit: DefaultSearchLimit}
	if len(sq.Q) > MaxSearchQuery {
		return searchQuery{}, badRequest("q takes at most %d bytes, got %d", MaxSearchQuery, len(sq.Q))
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return searchQuery{}, badRequest("limit takes a number from 1 to %d, not %q", MaxSearchLimit, l)
		}
		sq.Limit = min(n, MaxSearchLimit)
	}
	if o := v.Get("offset"); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 {
			return searchQuery{}, badRequest("offset takes the next_offset of a previous page, not %q", o)
		}
		sq.Offset = n
	}
	return sq, nil
}

// search answers one page of sq.
//
// ranked orders the matches for people (rankAgreements); unranked, they
// keep the store's id order, the order the command line's history shows
// locally and through --server alike.
func (s *Server) search(ctx context.Context, sq searchQuery, ranked bool) (SearchResponse, error) {
	found, err := s.store.FindAgreements(ctx, sq.Q)
	if err != nil {
		return SearchResponse{}, err
	}
	if ranked {
		rankAgreements(found, sq.Q)
	}
	body := SearchResponse{Total: len(found), Agreements: []store.AgreementInfo{}}
	if sq.Offset < len(found) {
		end := min(sq.Offset+sq.Limit, len(found))
		body.Agreements = found[sq.Offset:end]
		if end < len(found) {
			body.NextOffset = &end
		}
	}
	return body, nil
}

// apiSearch serves GET /api/v1/search?q=: a page of the agreements whose
// agency or id matches.
func (s *Server) apiSearch(r *http.Request) *response {
	sq, err := parseSearch(r.URL.Query())
	if err != nil {
		return s.apiError(r, err)
	}
	if sq.Q == "" {
		return s.apiError(r, badRequest("q is required"))
	}
	body, err := s.search(r.Context(), sq, false)
	if err != nil {
		return s.apiError(r, err)
	}
	return jsonResponse(http.StatusOK, body)
}

// rankAgreements orders search results as the agency search does: exact
// name, then names starting with q, then word starts, then substrings,
// then the rest (an id, or a match in the name as published only); the
// store's id order within a rank. "Harris" comes before "Harrison".
func rankAgreements(found []store.AgreementInfo, q string) {
	rank := make(map[string]int, len(found))
	for _, a := range found {
		rk := agencyMatch(&agency{Name: a.Agency, State: a.State, County: county(a.Extra)}, q)
		if rk < 0 {
			rk = 6
		}
		rank[a.ID] = rk
	}
	sort.SliceStable(found, func(i, j int) bool { return rank[found[i].ID] < rank[found[j].ID] })
}
