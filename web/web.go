// Package web serves watch287g's history to people and programs: the JSON
// API under /api/v1/, an Atom feed of changes, /healthz, /metrics and HTML
// pages that work without JavaScript.
//
// Everything it shows comes from the store. Responses that depend only on
// the store (and on the fetch loop's Health) are rendered once per store
// version and served from memory afterwards, because the same few pages are
// asked for over and over while the data changes a few times a day.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Store is what the web server reads. *store.Store implements it.
type Store interface {
	Snapshots(ctx context.Context) ([]store.Snapshot, error)
	// SnapshotsPage is at most limit snapshots below id before (0: from
	// the newest), newest first, and the cursor of the next page (0 after
	// the last); SnapshotsAfter is at most limit above id after, oldest
	// first. Each decodes only what it returns.
	SnapshotsPage(ctx context.Context, before uint64, limit int) ([]store.Snapshot, uint64, error)
	SnapshotsAfter(ctx context.Context, after uint64, limit int) ([]store.Snapshot, error)
	Snapshot(ctx context.Context, id uint64) (store.Snapshot, error)
	File(ctx context.Context, sha string) ([]byte, error)
	Latest(ctx context.Context, list sheet.List) (store.Snapshot, error)
	Agreements(ctx context.Context, list sheet.List, at uint64) (store.Snapshot, []diff.Agreement, error)
	AgreementsAt(ctx context.Context, list sheet.List, date string) (store.Snapshot, []diff.Agreement, error)
	Agreement(ctx context.Context, id string) (store.AgreementInfo, []diff.Change, error)
	FindAgreements(ctx context.Context, query string) ([]store.AgreementInfo, error)
	Changes(ctx context.Context, q store.ChangeQuery) ([]diff.Change, uint64, error)
	// SnapshotChanges is the changes one snapshot brought, oldest first.
	SnapshotChanges(ctx context.Context, id uint64) ([]diff.Change, error)
	Checks(ctx context.Context, limit int) ([]store.Check, error)
	// LastSuccess and LastError are the newest successful and failed
	// fetch the store recorded (zero times when none), kept apart from
	// the checks so they survive restarts and check retention.
	LastSuccess(ctx context.Context) (time.Time, error)
	LastError(ctx context.Context) (time.Time, string, error)
	Series(ctx context.Context) ([]store.Series, error)
	Deliveries(ctx context.Context, state string) ([]store.Delivery, error)
}

// Versioner is an optional Store method: a value that changes whenever
// anything the server shows changes, cheap enough to read on every request.
// Without it the server derives a version from the newest change, the latest
// snapshots and the latest check, which costs a few reads per request.
type Versioner interface {
	Version(ctx context.Context) (string, error)
}

// MaxHeaderBytes is the request header cap the server is built for: the
// longest URL any route accepts (a 2 KiB query string) with room for
// ordinary headers. http.Server's default is 1 MiB per request.
const MaxHeaderBytes = 32 << 10

// DefaultStaleAfter is used when Options.StaleAfter is zero.
const DefaultStaleAfter = 26 * time.Hour

// Options configures New.
type Options struct {
	Store Store
	// PublicURL is the base of absolute links (feed entries and their
	// ids), the address readers reach the server at. It is the only source
	// of absolute links: never the request's Host, which a client chooses
	// and the cache would keep. Empty, the feed's links are relative to
	// the feed and its ids use unconfiguredHost.
	PublicURL string
	// StaleAfter is how old the last successful fetch may be before
	// /healthz answers 503.
	StaleAfter time.Duration
	Logger     *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Health is updated by the fetch loop; a fresh one when nil.
	Health *Health
	// Registry receives the store collector and is served at /metrics;
	// a fresh registry when nil. Register the fetch loop's Metrics on it
	// with NewMetrics.
	Registry *prometheus.Registry
	// History, when set, reports a background backfill from the Wayback
	// Machine (files handled, of how many, still running), for the
	// overview's "loading history" line. Nil: no backfill.
	History func() (done, total int, running bool)
}

// Server is the HTTP handler for everything watch287g serves.
type Server struct {
	store      Store
	public     *url.URL
	tagHost    string
	staleAfter time.Duration
	log        *slog.Logger
	now        func() time.Time
	health     *Health
	registry   *prometheus.Registry
	history    func() (done, total int, running bool)
	mux        *http.ServeMux
	cache      *cache
	pages      *pages
	// pageLimit and searchLimit bound concurrent renders (limit.go).
	pageLimit, searchLimit *limiter
	// onRender, when set (by tests), is called each time a cached route
	// renders instead of answering from the cache or a shared render.
	onRender func(key string)
	// docs is the document search index (documents.go).
	docs documentsState
}

// New returns a Server for opt.
func New(opt Options) *Server {
	s := &Server{
		store:      opt.Store,
		staleAfter: opt.StaleAfter,
		log:        opt.Logger,
		now:        opt.Now,
		health:     opt.Health,
		registry:   opt.Registry,
		history:    opt.History,
		cache:      newCache(defaultCacheBytes, defaultCacheEntries),
	}
	if s.staleAfter <= 0 {
		s.staleAfter = DefaultStaleAfter
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With(slog.String("component", "web"))
	if s.now == nil {
		s.now = time.Now
	}
	if s.health == nil {
		s.health = NewHealth(s.now())
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	s.public, s.tagHost = &url.URL{}, unconfiguredHost
	switch u, err := parsePublicURL(opt.PublicURL); {
	case err != nil:
		s.log.Warn("public url unusable: feed links will be relative", slog.String("public_url", escape.RedactURL(opt.PublicURL)),
			slog.Any("error", err))
	case u == nil:
		s.log.Warn("public url not set: feed links will be relative")
	default:
		s.public, s.tagHost = u, u.Hostname()
	}
	s.pageLimit, s.searchLimit = defaultLimiters()
	s.pages = mustPages()
	s.registerMetrics()
	s.routes()
	return s
}

// The query parameters each cached route reads; the cache ignores others.
var (
	changeParams    = []string{"state", "model", "kind", "list", "since", "until", "limit", "cursor"}
	agreementParams = []string{"list", "state", "model", "at"}
	searchParams    = []string{"q", "limit", "offset"}
	snapshotParams  = []string{"before", "limit"}
)

func (s *Server) routes() {
	m := http.NewServeMux()
	// API: one file per resource.
	pages, search := s.pageLimit, s.searchLimit
	page := func(render renderFunc, params ...string) http.HandlerFunc {
		return s.cached(s.limited(pages, render), params...)
	}
	m.HandleFunc("GET /api/v1/agreements", page(s.apiAgreements, agreementParams...))
	m.HandleFunc("GET /api/v1/agreements/{id}", page(s.apiAgreement))
	m.HandleFunc("GET /api/v1/search", s.cached(s.limited(search, s.apiSearch), searchParams...))
	m.HandleFunc("GET /api/v1/changes", page(s.apiChanges, changeParams...))
	m.HandleFunc("GET /api/v1/snapshots", page(s.apiSnapshots, apiSnapshotParams...))
	m.HandleFunc("GET /api/v1/snapshots/{id}", page(s.apiSnapshot))
	m.HandleFunc("GET /api/v1/snapshots/{id}/changes", page(s.apiSnapshotChanges))
	m.HandleFunc("GET /api/v1/snapshots/{id}/file", s.apiSnapshotFile)
	m.HandleFunc("GET /api/v1/documents", page(s.apiDocuments))
	m.HandleFunc("GET /api/v1/documents/{sha}", page(s.apiDocument))
	m.HandleFunc("GET /api/v1/documents/search", s.cached(s.limited(search, s.apiDocumentSearch), searchParams...))
	m.HandleFunc("GET /api/v1/openapi.json", s.apiOpenAPI)
	m.HandleFunc("OPTIONS /api/v1/", s.preflight)
	m.HandleFunc("/api/v1/", s.apiFallback)

	m.HandleFunc("GET /feed.atom", feedForBrowsers(page(s.feed, changeParams...)))
	m.HandleFunc("OPTIONS /feed.atom", s.preflight)
	m.HandleFunc("GET /feed", page(s.feedPage))
	m.HandleFunc("GET /healthz", s.healthz)
	m.Handle("GET /metrics", s.metricsHandler())

	// Pages for people.
	m.HandleFunc("GET /{$}", page(s.overview))
	m.HandleFunc("GET /changes", page(s.changesPage, changeParams...))
	m.HandleFunc("GET /agreements/{id}", page(s.agreementPage))
	m.HandleFunc("GET /states/{code}", page(s.statePage))
	m.HandleFunc("GET /snapshots", page(s.snapshotsPage, snapshotParams...))
	m.HandleFunc("GET /snapshots/{id}", page(s.snapshotPage))
	m.HandleFunc("GET /snapshots/{id}/changes.csv", page(s.snapshotChangesCSV))
	m.HandleFunc("GET /agencies/{id}", page(s.agencyPage))
	m.HandleFunc("GET /agencies/{id}/agreements.csv", page(s.agencyCSV))
	m.HandleFunc("GET /changes.csv", page(s.changesDownload, changeParams...))
	m.HandleFunc("GET /states/{code}/agreements.csv", page(s.stateDownload))
	m.HandleFunc("GET /states.csv", page(s.statesDownload))
	m.HandleFunc("GET /snapshots.csv", s.snapshotsDownload)
	m.HandleFunc("GET /agreements.csv", page(s.allAgreementsDownload, "state", "list"))
	m.HandleFunc("GET /search", s.cached(s.limited(search, s.searchPage), searchParams...))
	m.HandleFunc("GET /documents", page(s.documentsPage))
	m.HandleFunc("GET /documents/search", s.cached(s.limited(search, s.documentSearchPage), searchParams...))
	m.HandleFunc("GET /documents/{sha}", page(s.documentPage))
	m.HandleFunc("GET /documents/{sha}/file", s.documentFile)
	m.Handle("GET /static/", staticHandler())
	// Browsers ask for it on documents without an icon link (the feed
	// shown as a page); nothing, rather than a 404 in their console.
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("/", s.notFoundPage)
	s.mux = m
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// unconfiguredHost names the server in feed ids when no public URL is
// set: a reserved name (RFC 2606) that can never be someone else's.
const unconfiguredHost = "watch287g.invalid"

// parsePublicURL checks a configured public URL: absolute http or https
// with a host, no query or fragment. nil, nil when it is empty.
func parsePublicURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	switch {
	case err != nil:
		return nil, fmt.Errorf("parse public url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("public url %q: scheme must be http or https", escape.RedactURL(raw))
	case u.Host == "":
		return nil, fmt.Errorf("public url %q: no host", escape.RedactURL(raw))
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("public url %q: a base takes no query or fragment", escape.RedactURL(raw))
	}
	u.User = nil
	return u, nil
}

// absURL is path (with an optional query) under the public URL, or the
// path alone when none is configured.
func (s *Server) absURL(path string, q url.Values) string {
	u := *s.public
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = ""
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
