package web

import (
	"net/http"
	"net/url"
)

type feedPage struct {
	pageBase
	FeedURL, StateExample, CSVExample string
}

// feedPage serves GET /feed: how to follow the Atom feed, for the people
// who click "Atom feed" and would otherwise get XML (browsers no longer
// show feeds).
func (s *Server) feedPage(r *http.Request) *response {
	return s.render(http.StatusOK, "feed", feedPage{
		FeedURL:      s.absURL("/feed.atom", nil),
		StateExample: s.absURL("/feed.atom", url.Values{"state": {"TX"}}),
		CSVExample:   s.absURL("/changes.csv", url.Values{"state": {"TX"}}),
	})
}
