package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/watch287g/watch287g/store"
)

// Pages of the archive: ten years of lists are some 7,000 files, which
// no one reads (or should have to download) as one table.
const (
	defaultSnapshotsPage = 100
	maxSnapshotsPage     = 1000
)

type snapshotsPage struct {
	pageBase
	Snapshots []store.Snapshot
	// FirstURL, PrevURL and NextURL link the newest page, the newer page
	// and the older page; empty where there is none.
	FirstURL, PrevURL, NextURL string
}

// snapshotsPage serves GET /snapshots?before=ID&limit=N: at most limit
// files (100 by default) with ids below before (the newest when absent),
// newest first, with links to the newer and older pages. It reads only
// the page and one record past each end.
func (s *Server) snapshotsPage(r *http.Request) *response {
	before, limit, err := snapshotsQuery(r.URL.Query())
	if err != nil {
		return s.pageError(r, err)
	}
	ctx := r.Context()
	snaps, next, err := s.store.SnapshotsPage(ctx, before, limit)
	if err != nil {
		return s.pageError(r, err)
	}
	d := snapshotsPage{Snapshots: snaps}
	link := func(before uint64) string {
		q := url.Values{}
		if before != 0 {
			q.Set("before", strconv.FormatUint(before, 10))
		}
		if limit != defaultSnapshotsPage {
			q.Set("limit", strconv.Itoa(limit))
		}
		if len(q) == 0 {
			return "/snapshots"
		}
		return "/snapshots?" + q.Encode()
	}
	if next != 0 {
		d.NextURL = link(next)
	}
	if before != 0 {
		// The newer page: the limit files above this page's newest (or
		// above the cursor when this page is empty).
		top := before - 1
		if len(snaps) > 0 {
			top = snaps[0].ID
		}
		newer, err := s.store.SnapshotsAfter(ctx, top, limit+1)
		if err != nil {
			return s.pageError(r, err)
		}
		switch {
		case len(newer) == 0:
		case len(newer) <= limit:
			d.PrevURL = link(0)
		default:
			d.PrevURL = link(newer[limit-1].ID + 1)
		}
		if len(newer) > 0 {
			d.FirstURL = link(0)
		}
	}
	return s.render(http.StatusOK, "snapshots", d)
}

// snapshotsQuery reads before and limit.
func snapshotsQuery(q url.Values) (before uint64, limit int, err error) {
	limit = defaultSnapshotsPage
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseUint(v, 10, 64); err != nil || before == 0 {
			return 0, 0, fmt.Errorf("before %q: want a snapshot id: %w", v, errBadRequest)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSnapshotsPage {
			return 0, 0, fmt.Errorf("limit %q: want 1 to %d: %w", v, maxSnapshotsPage, errBadRequest)
		}
		limit = n
	}
	return before, limit, nil
}
