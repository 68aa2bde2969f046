package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/web"
)

// remoteTimeout bounds one request to a running server.
const remoteTimeout = 30 * time.Second

// remoteMaxBody caps what the client reads from a server's answer.
const remoteMaxBody = 256 << 20

// remote answers the read commands from a running `watch287g serve`
// through its JSON API, so they work while serve holds the database.
type remote struct {
	base   string
	client *http.Client
}

func newRemote(base string) *remote {
	return &remote{base: strings.TrimRight(base, "/"), client: &http.Client{Timeout: remoteTimeout}}
}

func (r *remote) Close() error { return nil }

// get fetches path+query into v. A 404 maps to store.ErrNotFound so the
// commands report it the same way locally and remotely.
func (r *remote) get(ctx context.Context, path string, q url.Values, v any) error {
	body, u, err := r.fetch(ctx, path, q)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("server: decode %s: %w", u, err)
	}
	return nil
}

// fetch returns the body of a 200 answer to path+query, and the URL asked
// as messages may show it: credentials in --server URL never reach an
// error line (escape.RedactURL).
func (r *remote) fetch(ctx context.Context, path string, q url.Values) ([]byte, string, error) {
	raw := r.base + path
	if len(q) > 0 {
		raw += "?" + q.Encode()
	}
	u := escape.RedactURL(raw)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, u, fmt.Errorf("server: %w", redacted{err})
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "watch287g-cli")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, u, fmt.Errorf("server: %w", redacted{err})
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, remoteMaxBody))
	if err != nil {
		return nil, u, fmt.Errorf("server: read %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e web.ErrorResponse
		_ = json.Unmarshal(body, &e) // best effort: the status says enough without it
		e.Error = escape.Terminal(e.Error)
		if resp.StatusCode == http.StatusNotFound {
			return nil, u, fmt.Errorf("server: %s: %w", e.Error, store.ErrNotFound)
		}
		return nil, u, fmt.Errorf("server: %s answered %s: %s", u, resp.Status, e.Error)
	}
	return body, u, nil
}

// Snapshot returns one snapshot's record.
func (r *remote) Snapshot(ctx context.Context, id uint64) (store.Snapshot, error) {
	var snap store.Snapshot
	err := r.get(ctx, fmt.Sprintf("/api/v1/snapshots/%d", id), nil, &snap)
	return snap, err
}

// SnapshotFile returns a snapshot's archived bytes, checked against its
// sha256.
func (r *remote) SnapshotFile(ctx context.Context, snap store.Snapshot) ([]byte, error) {
	body, u, err := r.fetch(ctx, fmt.Sprintf("/api/v1/snapshots/%d/file", snap.ID), nil)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != snap.SHA256 {
		return nil, fmt.Errorf("server: %s: the bytes do not hash to the snapshot's sha256 %s", u, snap.SHA256)
	}
	return body, nil
}

// snapshotsPage is how many snapshots Snapshots asks the server for at a
// time (tests ask for fewer, to follow cursors).
var snapshotsPage = web.MaxLimit

// Snapshots reads every snapshot a page at a time, following the
// server's cursors: one answer need not hold ten years of lists.
func (r *remote) Snapshots(ctx context.Context) ([]store.Snapshot, error) {
	out := []store.Snapshot{}
	var cursor uint64
	for {
		q := url.Values{"limit": {strconv.Itoa(snapshotsPage)}}
		if cursor > 0 {
			q.Set("cursor", strconv.FormatUint(cursor, 10))
		}
		var body web.SnapshotsPageResponse
		if err := r.get(ctx, "/api/v1/snapshots", q, &body); err != nil {
			return nil, err
		}
		out = append(out, body.Snapshots...)
		if body.NextCursor == nil {
			return out, nil
		}
		if *body.NextCursor <= cursor {
			return nil, fmt.Errorf("server: /api/v1/snapshots: next_cursor %d does not move past %d", *body.NextCursor, cursor)
		}
		cursor = *body.NextCursor
	}
}

func (r *remote) Changes(ctx context.Context, cq store.ChangeQuery) ([]diff.Change, uint64, error) {
	q := url.Values{}
	f := cq.Filter
	setList(q, "state", f.States)
	setList(q, "model", f.Models)
	setList(q, "list", f.Lists)
	for _, k := range f.Kinds {
		q.Add("kind", string(k))
	}
	if !cq.Since.IsZero() {
		q.Set("since", cq.Since.Format(time.DateOnly))
	}
	if !cq.Until.IsZero() {
		q.Set("until", cq.Until.Format(time.DateOnly))
	}
	if cq.Limit > 0 {
		q.Set("limit", strconv.Itoa(cq.Limit))
	} else {
		q.Set("limit", strconv.Itoa(web.MaxLimit)) // allChanges follows cursors
	}
	if cq.Cursor > 0 {
		q.Set("cursor", strconv.FormatUint(cq.Cursor, 10))
	}
	var body web.ChangesResponse
	if err := r.get(ctx, "/api/v1/changes", q, &body); err != nil {
		return nil, 0, err
	}
	var next uint64
	if body.NextCursor != nil {
		next = *body.NextCursor
	}
	return body.Changes, next, nil
}

func (r *remote) AgreementsAt(ctx context.Context, list sheet.List, at string) (store.Snapshot, []diff.Agreement, error) {
	q := url.Values{"list": {string(list)}}
	if at != "" {
		q.Set("at", at)
	}
	var body web.AgreementsResponse
	if err := r.get(ctx, "/api/v1/agreements", q, &body); err != nil {
		return store.Snapshot{}, nil, err
	}
	if body.Snapshot == nil {
		return store.Snapshot{}, nil, fmt.Errorf("server: no accepted %s snapshot yet: %w", list, store.ErrNotFound)
	}
	return *body.Snapshot, body.Agreements, nil
}

// FindAgreements follows the server's search pages to the last one.
func (r *remote) FindAgreements(ctx context.Context, query string) ([]store.AgreementInfo, error) {
	q := url.Values{"q": {query}, "limit": {strconv.Itoa(web.MaxSearchLimit)}}
	var out []store.AgreementInfo
	for {
		var body web.SearchResponse
		if err := r.get(ctx, "/api/v1/search", q, &body); err != nil {
			return nil, err
		}
		out = append(out, body.Agreements...)
		// A next offset that does not move forward would loop forever.
		if body.NextOffset == nil || *body.NextOffset <= len(out)-len(body.Agreements) {
			return out, nil
		}
		q.Set("offset", strconv.Itoa(*body.NextOffset))
	}
}

func (r *remote) Agreement(ctx context.Context, id string) (store.AgreementInfo, []diff.Change, error) {
	var body web.AgreementResponse
	err := r.get(ctx, "/api/v1/agreements/"+url.PathEscape(id), nil, &body)
	return body.Agreement, body.Changes, err
}

func setList(q url.Values, key string, vals []string) {
	if len(vals) > 0 {
		q.Set(key, strings.Join(vals, ","))
	}
}

// redacted is an error whose message has its URL credentials masked; it
// still unwraps to the original (a cancelled context stays one).
type redacted struct{ err error }

func (e redacted) Error() string { return escape.RedactURL(e.err.Error()) }
func (e redacted) Unwrap() error { return e.err }
