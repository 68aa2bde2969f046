package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

type option struct {
	Value, Label string
	Selected     bool
}

type changesPage struct {
	pageBase
	changeList
	F                                      struct{ State, Since, Until string }
	KindOptions, ModelOptions, ListOptions []option
	Error                                  string
	FirstURL, NextURL, FeedURL, CSVURL     string
}

func options(selected []string, pairs ...string) []option {
	var out []option
	for i := 0; i+1 < len(pairs); i += 2 {
		o := option{Value: pairs[i], Label: pairs[i+1]}
		for _, s := range selected {
			o.Selected = o.Selected || s == o.Value
		}
		out = append(out, o)
	}
	return out
}

// changesPage serves GET /changes with the filters of /api/v1/changes in
// its query string, and links to older pages by cursor.
func (s *Server) changesPage(r *http.Request) *response {
	q := r.URL.Query()
	// An empty select submits "kind=": that means any, not a bad kind.
	for _, k := range []string{"state", "kind", "model", "list", "since", "until"} {
		if q.Get(k) == "" {
			q.Del(k)
		}
	}
	d := changesPage{changeList: changeList{Caption: "Changes, newest first"}}
	d.F.State, d.F.Since, d.F.Until = q.Get("state"), q.Get("since"), q.Get("until")
	d.KindOptions = options(multi(q, "kind"), string(diff.Added), "added", string(diff.Removed), "removed",
		string(diff.Changed), "changed")
	d.ModelOptions = options(multi(q, "model"), sheet.TaskForce, "task force", sheet.JailEnforcement,
		"jail enforcement", sheet.WarrantServiceOfficer, "warrant service officer")
	d.ListOptions = options(multi(q, "list"), string(sheet.Participating), "participating",
		string(sheet.Pending), "pending")
	filters := url.Values{}
	for k, v := range q {
		if k != "cursor" {
			filters[k] = v
		}
	}
	d.FeedURL, d.CSVURL = "/feed.atom", "/changes.csv"
	if len(filters) > 0 {
		d.FeedURL += "?" + filters.Encode()
		d.CSVURL += "?" + filters.Encode()
	}
	cq, err := changeQuery(q)
	if err != nil {
		d.Error = err.Error()
		resp := s.render(http.StatusBadRequest, "changes", d)
		return resp
	}
	changes, next, err := s.store.Changes(r.Context(), cq)
	if err != nil {
		return s.pageError(r, err)
	}
	d.Changes = changes
	if cq.Cursor != 0 {
		d.FirstURL = "/changes"
		if len(filters) > 0 {
			d.FirstURL += "?" + filters.Encode()
		}
	}
	if next != 0 {
		nq := url.Values{}
		for k, v := range filters {
			nq[k] = v
		}
		nq.Set("cursor", strconv.FormatUint(next, 10))
		d.NextURL = "/changes?" + nq.Encode()
	}
	return s.render(http.StatusOK, "changes", d)
}
