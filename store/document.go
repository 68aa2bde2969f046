package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/moa"
)

// The document archive (issue 14): the MOA and addendum PDFs the lists
// link. Its buckets are created by the first write that needs them, so an
// older store needs no migration and a store that never fetched a
// document reads as an empty archive.
var (
	bucketDocFiles = []byte("doc_files") // hex sha256 + be32 chunk index → PDF bytes, written once (as bucketFiles)
	bucketDocInfo  = []byte("doc_info")  // hex sha256 → JSON DocumentFile
	bucketDocURLs  = []byte("doc_urls")  // url → JSON DocumentURL
)

// Document URL states.
const (
	// DocumentNew: linked, not yet fetched successfully (a first fetch
	// that failed leaves it new, with Failures and LastError).
	DocumentNew = "new"
	// DocumentOK: the last answer was the archived PDF (200 or 304).
	DocumentOK = "ok"
	// DocumentGone: the last answer was 404 or 410; the last copy, if
	// any, stays archived and served.
	DocumentGone = "gone"
)

// DocumentLink is one address the accepted lists link, with the
// agreements that link it.
type DocumentLink struct {
	URL        string   `json:"url"`
	Role       string   `json:"role"` // diff.DocumentMOA or diff.DocumentAddendum
	Agreements []string `json:"agreements"`
}

// DocumentVersion is one distinct PDF seen at an address.
type DocumentVersion struct {
	SHA256    string    `json:"sha256"`
	FirstSeen time.Time `json:"first_seen"`
}

// DocumentURL is the archive's state of one linked address.
type DocumentURL struct {
	URL        string   `json:"url"`
	Role       string   `json:"role"`
	Agreements []string `json:"agreements"`
	Status     string   `json:"status"`
	// SHA256 is the PDF last archived from the address ("" when none);
	// Versions every distinct one, oldest first.
	SHA256   string            `json:"sha256,omitempty"`
	Versions []DocumentVersion `json:"versions,omitempty"`
	// LastModified and ETag are the validators of the last 200. ICE
	// answers If-Modified-Since with 304 and ignores If-None-Match, so
	// only LastModified is sent back; ETag is kept for the record.
	LastModified string `json:"last_modified,omitempty"`
	ETag         string `json:"etag,omitempty"`
	// FirstLinked is when a list was first seen linking the address;
	// LastSeen the last 200 or 304; LastCheck the last request.
	FirstLinked time.Time `json:"first_linked"`
	LastSeen    time.Time `json:"last_seen,omitzero"`
	LastCheck   time.Time `json:"last_check,omitzero"`
	HTTPStatus  int       `json:"http_status,omitempty"`
	// Failures counts failed fetches in a row (an HTML page, a truncated
	// or oversized file, a server error); LastError is the last one's.
	Failures  int    `json:"failures,omitempty"`
	LastError string `json:"last_error,omitempty"`
	// Contradictions flags a MOA whose named agency or model disagrees
	// with an agreement that links it (moa.Contradicts; ICE has linked one
	// agency's row to another agency's MOA), as of the last PDF archived.
	Contradictions []DocumentContradiction `json:"contradictions,omitempty"`
	// Unlinked is set once no agreement's latest record links the address
	// (its agreement now links another); it is still revalidated, and
	// Agreements keeps who linked it last.
	Unlinked bool `json:"unlinked,omitempty"`
	// Wayback is a copy recovered from the Wayback Machine for an address
	// that was dead before any copy was archived here; WaybackChecked is
	// when the archive was last asked (found or not).
	Wayback        *DocumentCapture `json:"wayback,omitempty"`
	WaybackChecked time.Time        `json:"wayback_checked,omitzero"`
}

// DocumentCapture is where a recovered copy came from.
type DocumentCapture struct {
	SHA256 string `json:"sha256"`
	// Timestamp is the capture's, YYYYMMDDhhmmss UTC; PlaybackURL the
	// address its bytes were read from.
	Timestamp   string    `json:"timestamp"`
	PlaybackURL string    `json:"playback_url"`
	ArchivedAt  time.Time `json:"archived_at"`
}

// DocumentContradiction is why a document does not read as the MOA of one
// agreement that links it.
type DocumentContradiction struct {
	AgreementID string   `json:"agreement_id"`
	Reasons     []string `json:"reasons"`
}

// DocumentFile is one archived PDF, kept once whatever links it.
type DocumentFile struct {
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	FirstSeen time.Time `json:"first_seen"`
	FirstURL  string    `json:"first_url"`
	Pages     int       `json:"pages"`
	// HasText is false for an image-only scan (Fields then blank).
	HasText  bool       `json:"has_text"`
	Fields   moa.Fields `json:"fields"`
	Warnings []string   `json:"warnings,omitempty"`
}

// DocumentResult is one fetch of an address, for RecordDocumentFetch.
type DocumentResult struct {
	URL string
	At  time.Time
	// Status is the HTTP status (0 for a network error).
	Status int
	// Err is set for a failed fetch: the rest is then only recorded as a
	// failure, never archived.
	Err string
	// Body and Doc are set for a 200 whose body moa.Read accepted.
	Body         []byte
	Doc          *moa.Document
	LastModified string
	ETag         string
}

// DocumentOutcome is what RecordDocumentFetch did.
type DocumentOutcome struct {
	URL DocumentURL
	// NewFile is true when the body's bytes were archived for the first time.
	NewFile bool
	Changes []diff.Change
}

// DocumentLinks returns every http(s) MOA and addendum address the
// agreements the store knows link (an ended agreement's too: its document
// is the record of what it was), URL order.
func (s *Store) DocumentLinks(ctx context.Context) ([]DocumentLink, error) {
	byURL := map[string]*DocumentLink{}
	err := s.view("document links", func(tx *bolt.Tx) error {
		n := 0
		return tx.Bucket(bucketAgreements).ForEach(func(k, v []byte) error {
			if n++; n%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var info AgreementInfo
			if err := decodeJSON(v, &info); err != nil {
				s.skipBad(bucketAgreements, k, err)
				return nil
			}
			add := func(u, role string) {
				if u = escape.LinkURL(strings.TrimSpace(u)); u == "" {
					return
				}
				l := byURL[u]
				if l == nil {
					l = &DocumentLink{URL: u, Role: role}
					byURL[u] = l
				}
				if !slices.Contains(l.Agreements, info.ID) {
					l.Agreements = append(l.Agreements, info.ID)
				}
			}
			add(info.MOAURL, diff.DocumentMOA)
			add(addendumURL(info.Extra), diff.DocumentAddendum)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]DocumentLink, 0, len(byURL))
	for _, l := range byURL {
		slices.Sort(l.Agreements)
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b DocumentLink) int { return strings.Compare(a.URL, b.URL) })
	return out, nil
}

// addendumURL is the ADDENDUM column's address: its hyperlink (which the
// sheet reader keeps, unwrapped, as "ADDENDUM URL") or a URL typed as text.
func addendumURL(extra map[string]string) string {
	if u := extra["ADDENDUM URL"]; u != "" {
		return u
	}
	return extra["ADDENDUM"]
}

// NoteDocumentLinks records the addresses the lists link now: a new one
// starts as DocumentNew, first linked at at; a known one's agreements are
// updated. Addresses no longer linked keep their state (and are still
// revalidated: an archived document stays the record). It returns how
// many addresses were new.
func (s *Store) NoteDocumentLinks(ctx context.Context, links []DocumentLink, at time.Time) (int, error) {
	added := 0
	err := s.update("note document links", func(tx *bolt.Tx) error {
		added = 0
		b, err := tx.CreateBucketIfNotExists(bucketDocURLs)
		if err != nil {
			return err
		}
		for i, l := range links {
			if i%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var u DocumentURL
			ok, err := getJSON(b, []byte(l.URL), &u)
			if err != nil {
				s.skipBad(bucketDocURLs, []byte(l.URL), err)
				ok = false
			}
			if ok && slices.Equal(u.Agreements, l.Agreements) && u.Role == l.Role && !u.Unlinked {
				continue
			}
			if !ok {
				added++
				u = DocumentURL{URL: l.URL, Status: DocumentNew, FirstLinked: at.UTC()}
			}
			u.Role, u.Agreements, u.Unlinked = l.Role, slices.Clone(l.Agreements), false
			if err := putJSON(b, []byte(l.URL), &u); err != nil {
				return err
			}
		}
		// Addresses no longer linked: marked, never dropped.
		linked := make(map[string]bool, len(links))
		for _, l := range links {
			linked[l.URL] = true
		}
		var gone []DocumentURL
		err = b.ForEach(func(k, v []byte) error {
			if linked[string(k)] {
				return nil
			}
			var u DocumentURL
			if err := decodeJSON(v, &u); err != nil {
				s.skipBad(bucketDocURLs, k, err)
				return nil
			}
			if !u.Unlinked {
				u.Unlinked = true
				gone = append(gone, u)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, u := range gone {
			if err := putJSON(b, []byte(u.URL), &u); err != nil {
				return err
			}
		}
		return nil
	})
	return added, err
}

// DocumentURLs returns the state of every address, URL order.
func (s *Store) DocumentURLs(ctx context.Context) ([]DocumentURL, error) {
	out := []DocumentURL{}
	err := s.view("document urls", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocURLs)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var u DocumentURL
			if err := decodeJSON(v, &u); err != nil {
				s.skipBad(bucketDocURLs, k, err)
				return nil
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// DocumentURL returns one address's state; ErrNotFound when unknown.
func (s *Store) DocumentURL(ctx context.Context, url string) (DocumentURL, error) {
	var u DocumentURL
	err := s.view("document url", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocURLs)
		if b == nil {
			return ErrNotFound
		}
		ok, err := getJSON(b, []byte(url), &u)
		if err == nil && !ok {
			err = ErrNotFound
		}
		return err
	})
	return u, err
}

// DocumentFiles returns every archived PDF's description, sha order.
func (s *Store) DocumentFiles(ctx context.Context) ([]DocumentFile, error) {
	out := []DocumentFile{}
	err := s.view("document files", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocInfo)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var f DocumentFile
			if err := decodeJSON(v, &f); err != nil {
				s.skipBad(bucketDocInfo, k, err)
				return nil
			}
			out = append(out, f)
			return nil
		})
	})
	return out, err
}

// Document returns one archived PDF: its description and its bytes, as
// fetched. ErrNotFound when the sha is not archived.
func (s *Store) Document(ctx context.Context, sha string) (DocumentFile, []byte, error) {
	var f DocumentFile
	var body []byte
	err := s.view("document "+sha, func(tx *bolt.Tx) error {
		info, files := tx.Bucket(bucketDocInfo), tx.Bucket(bucketDocFiles)
		if info == nil || files == nil {
			return ErrNotFound
		}
		ok, err := getJSON(info, []byte(sha), &f)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		var got bool
		if body, got = getFile(files, sha); !got {
			return fmt.Errorf("document %s: described but its bytes are missing: %w", sha, ErrCorrupt)
		}
		return nil
	})
	if err != nil {
		return DocumentFile{}, nil, err
	}
	return f, body, nil
}

// RecordDocumentFetch records one fetch of an address in one transaction:
// its state, the PDF's bytes when new, and the change diff.DocumentKind
// decides (one per agreement linking the address) with an outbox delivery
// per matching recipient. Recipients may be nil (a first archive of the
// whole list announces nothing, as a list's baseline does not).
func (s *Store) RecordDocumentFetch(ctx context.Context, r DocumentResult, recipients []Recipient) (*DocumentOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: record document fetch: %w", err)
	}
	if r.Err == "" && r.Status == 200 {
		if r.Doc == nil || len(r.Body) == 0 {
			return nil, fmt.Errorf("store: record document fetch %s: a 200 without an accepted PDF must carry Err", escape.RedactURL(r.URL))
		}
		sum := sha256.Sum256(r.Body)
		if got := hex.EncodeToString(sum[:]); got != r.Doc.SHA256 {
			return nil, fmt.Errorf("store: record document fetch %s: body sha256 %s, document says %s", escape.RedactURL(r.URL), got, r.Doc.SHA256)
		}
	}
	at := r.At.UTC()
	var out *DocumentOutcome
	err := s.update("record document fetch", func(tx *bolt.Tx) error {
		out = &DocumentOutcome{}
		urls, err := tx.CreateBucketIfNotExists(bucketDocURLs)
		if err != nil {
			return err
		}
		var u DocumentURL
		ok, err := getJSON(urls, []byte(r.URL), &u)
		if err != nil {
			return err
		}
		if !ok {
			u = DocumentURL{URL: r.URL, Status: DocumentNew, FirstLinked: at}
		}
		u.LastCheck, u.HTTPStatus = at, r.Status
		if r.Err != "" {
			u.Failures++
			u.LastError = r.Err
			out.URL = u
			return putJSON(urls, []byte(r.URL), &u)
		}
		prev := diff.DocumentState{SHA256: u.SHA256, Gone: u.Status == DocumentGone}
		fetch := diff.DocumentFetch{Status: r.Status}
		if r.Doc != nil {
			fetch.SHA256 = r.Doc.SHA256
		}
		kind, changed := diff.DocumentKind(prev, fetch)
		switch r.Status {
		case 200:
			if out.NewFile, err = putDocument(tx, r, at); err != nil {
				return err
			}
			if !slices.ContainsFunc(u.Versions, func(v DocumentVersion) bool { return v.SHA256 == fetch.SHA256 }) {
				u.Versions = append(u.Versions, DocumentVersion{SHA256: fetch.SHA256, FirstSeen: at})
			}
			u.SHA256, u.Status, u.LastSeen = fetch.SHA256, DocumentOK, at
			u.LastModified, u.ETag = r.LastModified, r.ETag
			u.Contradictions = contradictions(tx, u, r.Doc)
		case 304:
			if u.SHA256 != "" {
				u.Status = DocumentOK
			}
			u.LastSeen = at
		case 404, 410:
			u.Status = DocumentGone
		default:
			// Any other status is a failed fetch; the caller should have
			// set Err. Record it as one rather than guess.
			u.Failures++
			u.LastError = fmt.Sprintf("HTTP %d", r.Status)
			out.URL = u
			return putJSON(urls, []byte(r.URL), &u)
		}
		u.Failures, u.LastError = 0, ""
		if err := putJSON(urls, []byte(r.URL), &u); err != nil {
			return err
		}
		out.URL = u
		if changed {
			ref := diff.DocumentRef{URL: r.URL, Role: u.Role, SHA256: u.SHA256, HTTPStatus: r.Status}
			if prev.SHA256 != u.SHA256 {
				ref.PreviousSHA256 = prev.SHA256
			}
			if out.Changes, err = recordDocumentChanges(tx, kind, ref, u.Agreements, recipients, at); err != nil {
				return err
			}
		}
		if out.NewFile || len(out.Changes) > 0 {
			return bumpData(tx.Bucket(bucketMeta))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// contradictions checks a MOA's fields against each agreement linking it.
// An addendum is not checked: it amends, and may name the program
// differently.
func contradictions(tx *bolt.Tx, u DocumentURL, doc *moa.Document) []DocumentContradiction {
	if u.Role != diff.DocumentMOA || doc == nil || !doc.HasText {
		return nil
	}
	var out []DocumentContradiction
	for _, id := range u.Agreements {
		var info AgreementInfo
		if ok, err := getJSON(tx.Bucket(bucketAgreements), []byte(id), &info); err != nil || !ok {
			continue
		}
		if reasons := moa.Contradicts(doc.Fields, info.Agency, info.Model); len(reasons) > 0 {
			out = append(out, DocumentContradiction{AgreementID: id, Reasons: reasons})
		}
	}
	return out
}

// putDocument archives r's PDF unless its bytes are already archived.
func putDocument(tx *bolt.Tx, r DocumentResult, at time.Time) (bool, error) {
	files, err := tx.CreateBucketIfNotExists(bucketDocFiles)
	if err != nil {
		return false, err
	}
	info, err := tx.CreateBucketIfNotExists(bucketDocInfo)
	if err != nil {
		return false, err
	}
	sha := r.Doc.SHA256
	if info.Get([]byte(sha)) != nil && hasFile(files, sha) {
		return false, nil
	}
	if err := putFile(files, sha, r.Body); err != nil {
		return false, err
	}
	if err := putSearchText(tx, sha, r.Doc.Text); err != nil { // document_searchtext.go
		return false, err
	}
	f := DocumentFile{
		SHA256: sha, Size: int64(len(r.Body)), FirstSeen: at, FirstURL: r.URL,
		Pages: r.Doc.Pages, HasText: r.Doc.HasText, Fields: r.Doc.Fields, Warnings: r.Doc.Warnings,
	}
	return true, putJSON(info, []byte(sha), &f)
}

// recordDocumentChanges writes one change of kind per linking agreement,
// indexed like the list's changes (by day and by agreement), and enqueues
// a delivery per matching recipient. The change carries the agreement's
// latest record, so state, model and list filters apply to it.
func recordDocumentChanges(tx *bolt.Tx, kind diff.Kind, ref diff.DocumentRef, agreements []string, recipients []Recipient, at time.Time) ([]diff.Change, error) {
	w := newWriter(tx)
	var out []diff.Change
	for _, id := range agreements {
		var info AgreementInfo
		ok, err := getJSON(w.agreements, []byte(id), &info)
		if err != nil || !ok {
			continue // an agreement that does not read has no record to file the change under
		}
		rec := info.Record
		d := ref
		ch := diff.Change{Kind: kind, List: info.List, AgreementID: id, After: &rec, DetectedAt: at, Document: &d}
		cid, err := w.changes.NextSequence()
		if err != nil {
			return nil, err
		}
		ch.ID = cid
		if err := putJSON(w.changes, be64(cid), &ch); err != nil {
			return nil, err
		}
		if err := w.indexChange(&ch); err != nil {
			return nil, err
		}
		if err := w.agrChanges.Put(agrChangeKey(id, cid), nil); err != nil {
			return nil, err
		}
		for _, r := range recipients {
			if r.wants(&ch) {
				if _, err := w.enqueue(Delivery{Recipient: r.ID, ChangeID: cid}, at); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, ch)
	}
	return out, nil
}

// documentsForAgreement returns the addresses whose Agreements hold id.
func documentsForAgreement(us []DocumentURL, id string) []DocumentURL {
	var out []DocumentURL
	for _, u := range us {
		if slices.Contains(u.Agreements, id) {
			out = append(out, u)
		}
	}
	return out
}

// DocumentsForAgreement returns the addresses one agreement links, with
// their state (for the agreement's page and `documents --agreement`).
func (s *Store) DocumentsForAgreement(ctx context.Context, id string) ([]DocumentURL, error) {
	all, err := s.DocumentURLs(ctx)
	if err != nil {
		return nil, err
	}
	return documentsForAgreement(all, id), nil
}

// RecordWaybackLookup records a Wayback Machine lookup for a dead address:
// with body and doc (a capture moa.Read accepted), the PDF is archived
// once by sha256 with the playback address as its first URL, and the
// address keeps the capture's provenance; without them, only that the
// archive had none. It makes no change event: the address's status stays
// what ICE answers.
func (s *Store) RecordWaybackLookup(ctx context.Context, url string, c *DocumentCapture, body []byte, doc *moa.Document, at time.Time) error {
	if c != nil {
		if doc == nil || len(body) == 0 {
			return fmt.Errorf("store: record wayback capture %s: no accepted PDF", escape.RedactURL(url))
		}
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != doc.SHA256 {
			return fmt.Errorf("store: record wayback capture %s: body sha256 %s, document says %s", escape.RedactURL(url), got, doc.SHA256)
		}
	}
	at = at.UTC()
	return s.update("record wayback lookup", func(tx *bolt.Tx) error {
		urls, err := tx.CreateBucketIfNotExists(bucketDocURLs)
		if err != nil {
			return err
		}
		var u DocumentURL
		ok, err := getJSON(urls, []byte(url), &u)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("document url %s: %w", escape.RedactURL(url), ErrNotFound)
		}
		u.WaybackChecked = at
		if c != nil {
			cp := *c
			cp.SHA256, cp.ArchivedAt = doc.SHA256, at
			newFile, err := putDocument(tx, DocumentResult{URL: cp.PlaybackURL, Body: body, Doc: doc}, at)
			if err != nil {
				return err
			}
			u.Wayback = &cp
			if newFile {
				if err := bumpData(tx.Bucket(bucketMeta)); err != nil {
					return err
				}
			}
		}
		return putJSON(urls, []byte(url), &u)
	})
}

// verifyDocuments re-hashes every archived PDF (a mismatch joins
// rep.Files, as a list file's would) and decodes the archive's records.
// Verify calls it; an archive never written has nothing to check.
func verifyDocuments(ctx context.Context, tx *bolt.Tx, rep *VerifyReport) error {
	if tx.Bucket(bucketDocFiles) != nil {
		if err := verifyFiles(ctx, tx, bucketDocFiles, rep); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		bucket []byte
		decode func(v []byte) error
	}{
		{bucketDocURLs, func(v []byte) error { var x DocumentURL; return decodeJSON(v, &x) }},
		{bucketDocInfo, func(v []byte) error { var x DocumentFile; return decodeJSON(v, &x) }},
	} {
		b := tx.Bucket(c.bucket)
		if b == nil {
			continue
		}
		err := b.ForEach(func(k, v []byte) error {
			rep.Checked[string(c.bucket)]++
			if err := c.decode(v); err != nil {
				rep.Records = append(rep.Records, BadRecord{Bucket: string(c.bucket), Key: string(k), Error: err.Error()})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
