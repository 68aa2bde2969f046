package store

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/pdfgen"
	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/sheet"
)

const (
	moaA = "https://www.ice.gov/doclib/287gMOA/a.pdf"
	moaB = "https://www.ice.gov/doclib/287gMOA/b.pdf"
	addB = "https://www.ice.gov/doclib/287gMOA/b-addendum.pdf"
)

// docStore is a store with two participating agreements: 0 links moaA,
// 1 links moaB and an addendum; 2 links a javascript: address.
func docStore(t *testing.T) (*Store, []diff.Agreement) {
	t.Helper()
	s := openTemp(t)
	r0, r1, r2 := rec(0), rec(1), rec(2)
	r0.MOAURL = moaA
	r1.MOAURL = moaB
	r1.Extra = map[string]string{"ADDENDUM": "link", "ADDENDUM URL": addB}
	r2.MOAURL = "javascript:alert(1)"
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", []sheet.Record{r0, r1, r2})}})
	_, aggs, err := s.Agreements(context.Background(), sheet.Participating, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s, aggs
}

func idOf(t *testing.T, aggs []diff.Agreement, url string) string {
	t.Helper()
	for _, a := range aggs {
		if a.MOAURL == url {
			return a.ID
		}
	}
	t.Fatalf("no agreement links %s", url)
	return ""
}

func pdfResult(t *testing.T, url string, body []byte, at time.Time) DocumentResult {
	t.Helper()
	doc, err := moa.Read(context.Background(), body, moa.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return DocumentResult{URL: url, At: at, Status: 200, Body: body, Doc: doc, LastModified: "Mon, 02 Jun 2025 10:00:00 GMT"}
}

func TestDocumentLinks(t *testing.T) {
	s, aggs := docStore(t)
	ctx := context.Background()
	links, err := s.DocumentLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []DocumentLink{
		{URL: moaA, Role: diff.DocumentMOA, Agreements: []string{idOf(t, aggs, moaA)}},
		{URL: addB, Role: diff.DocumentAddendum, Agreements: []string{idOf(t, aggs, moaB)}},
		{URL: moaB, Role: diff.DocumentMOA, Agreements: []string{idOf(t, aggs, moaB)}},
	}
	slices.SortFunc(want, func(a, b DocumentLink) int { return bytes.Compare([]byte(a.URL), []byte(b.URL)) })
	if len(links) != len(want) {
		t.Fatalf("got %d links %+v, want %d", len(links), links, len(want))
	}
	for i := range want {
		if links[i].URL != want[i].URL || links[i].Role != want[i].Role || !slices.Equal(links[i].Agreements, want[i].Agreements) {
			t.Errorf("link %d: got %+v, want %+v", i, links[i], want[i])
		}
	}
	n, err := s.NoteDocumentLinks(ctx, links, t0)
	if err != nil || n != 3 {
		t.Fatalf("got %d new, %v; want 3, nil", n, err)
	}
	if n, _ := s.NoteDocumentLinks(ctx, links, t0.Add(time.Hour)); n != 0 {
		t.Errorf("second note: got %d new, want 0", n)
	}
	// The addendum is no longer linked: kept, marked; linked again: unmarked.
	if _, err := s.NoteDocumentLinks(ctx, slices.DeleteFunc(slices.Clone(links), func(l DocumentLink) bool { return l.URL == addB }), t0); err != nil {
		t.Fatal(err)
	}
	if u, err := s.DocumentURL(ctx, addB); err != nil || !u.Unlinked || len(u.Agreements) != 1 {
		t.Errorf("unlinked addendum: got %+v, %v; want kept, marked unlinked, its last agreement kept", u, err)
	}
	if u, _ := s.DocumentURL(ctx, moaA); u.Unlinked {
		t.Errorf("a still linked address got marked unlinked")
	}
	s.NoteDocumentLinks(ctx, links, t0)
	if u, _ := s.DocumentURL(ctx, addB); u.Unlinked {
		t.Errorf("linked again: got unlinked, want linked")
	}
	u, err := s.DocumentURL(ctx, moaA)
	if err != nil || u.Status != DocumentNew || !u.FirstLinked.Equal(t0) {
		t.Errorf("got %+v, %v; want status new, first linked %v", u, err, t0)
	}
}

func TestEmptyArchiveReads(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if us, err := s.DocumentURLs(ctx); err != nil || len(us) != 0 {
		t.Errorf("got %v, %v; want none", us, err)
	}
	if fs, err := s.DocumentFiles(ctx); err != nil || len(fs) != 0 {
		t.Errorf("got %v, %v; want none", fs, err)
	}
	if _, _, err := s.Document(ctx, "00"); !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
	if _, err := s.DocumentURL(ctx, moaA); !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
}

// TestDocumentLifecycle walks one address through added, a repeat, a
// failed fetch, replaced, gone (copy kept), still gone and back, checking
// the changes, their deliveries and the archived bytes at each step.
func TestDocumentLifecycle(t *testing.T) {
	s, aggs := docStore(t)
	ctx := context.Background()
	links, _ := s.DocumentLinks(ctx)
	if _, err := s.NoteDocumentLinks(ctx, links, t0); err != nil {
		t.Fatal(err)
	}
	id := idOf(t, aggs, moaA)
	recips := []Recipient{
		{ID: "email:all@example.org"},
		{ID: "email:gone@example.org", Filter: diff.Filter{Kinds: []diff.Kind{diff.DocumentGone}}},
		{ID: "email:list@example.org", Filter: diff.Filter{Kinds: []diff.Kind{diff.Added}}},
	}
	v1, v2 := pdfgen.PDF("first upload"), pdfgen.PDF("second upload")
	steps := []struct {
		name       string
		r          DocumentResult
		wantKind   diff.Kind // "" for no change
		wantStatus string
		wantSHA    []byte
		wantNew    bool
		wantDeliv  int
	}{
		{"added", pdfResult(t, moaA, v1, t0), diff.DocumentAdded, DocumentOK, v1, true, 1},
		{"same bytes", pdfResult(t, moaA, v1, t0.Add(time.Hour)), "", DocumentOK, v1, false, 0},
		{"not modified", DocumentResult{URL: moaA, At: t0.Add(2 * time.Hour), Status: 304}, "", DocumentOK, v1, false, 0},
		{"html page", DocumentResult{URL: moaA, At: t0.Add(3 * time.Hour), Status: 200, Err: "not a PDF"}, "", DocumentOK, v1, false, 0},
		{"replaced", pdfResult(t, moaA, v2, t0.Add(4*time.Hour)), diff.DocumentReplaced, DocumentOK, v2, true, 1},
		{"gone", DocumentResult{URL: moaA, At: t0.Add(5 * time.Hour), Status: 404}, diff.DocumentGone, DocumentGone, v2, false, 2},
		{"still gone", DocumentResult{URL: moaA, At: t0.Add(6 * time.Hour), Status: 410}, "", DocumentGone, v2, false, 0},
		{"back", pdfResult(t, moaA, v2, t0.Add(7*time.Hour)), diff.DocumentBack, DocumentOK, v2, false, 1},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before, _ := s.Deliveries(ctx, "")
			out, err := s.RecordDocumentFetch(ctx, st.r, recips)
			if err != nil {
				t.Fatal(err)
			}
			if st.wantKind == "" && len(out.Changes) != 0 {
				t.Errorf("got changes %+v, want none", out.Changes)
			}
			if st.wantKind != "" {
				if len(out.Changes) != 1 || out.Changes[0].Kind != st.wantKind || out.Changes[0].AgreementID != id || out.Changes[0].Document == nil || out.Changes[0].Document.URL != moaA {
					t.Fatalf("got changes %+v, want one %s for %s", out.Changes, st.wantKind, id)
				}
				got, err := s.Change(ctx, out.Changes[0].ID)
				if err != nil || got.Kind != st.wantKind || got.Document.SHA256 != moa256(st.wantSHA) {
					t.Errorf("stored change: got %+v, %v", got, err)
				}
			}
			if out.NewFile != st.wantNew {
				t.Errorf("got new file %v, want %v", out.NewFile, st.wantNew)
			}
			if out.URL.Status != st.wantStatus || out.URL.SHA256 != moa256(st.wantSHA) {
				t.Errorf("got status %s sha %s, want %s %s", out.URL.Status, out.URL.SHA256, st.wantStatus, moa256(st.wantSHA))
			}
			_, body, err := s.Document(ctx, out.URL.SHA256)
			if err != nil || !bytes.Equal(body, st.wantSHA) {
				t.Errorf("archived copy: got %d bytes, %v; want the %d bytes last fetched", len(body), err, len(st.wantSHA))
			}
			after, _ := s.Deliveries(ctx, "")
			if len(after)-len(before) != st.wantDeliv {
				t.Errorf("got %d new deliveries, want %d", len(after)-len(before), st.wantDeliv)
			}
		})
	}
	u, _ := s.DocumentURL(ctx, moaA)
	if len(u.Versions) != 2 || u.Versions[0].SHA256 != moa256(v1) || u.Versions[1].SHA256 != moa256(v2) {
		t.Errorf("got versions %+v, want v1 then v2", u.Versions)
	}
	files, _ := s.DocumentFiles(ctx)
	if len(files) != 2 {
		t.Errorf("got %d archived files, want 2 (one per distinct PDF)", len(files))
	}
	// The changes API sees them like any other kind.
	chs, _, err := s.Changes(ctx, ChangeQuery{Filter: diff.Filter{Kinds: []diff.Kind{diff.DocumentGone, diff.DocumentBack}}})
	if err != nil || len(chs) != 2 || chs[0].Kind != diff.DocumentBack || chs[1].Kind != diff.DocumentGone {
		t.Errorf("got %+v, %v; want back then gone", chs, err)
	}
	_, hist, err := s.Agreement(ctx, id)
	if err != nil || len(hist) != 4 {
		t.Errorf("agreement history: got %d changes, %v; want 4 document changes", len(hist), err)
	}
	chs, _, err = s.Changes(ctx, ChangeQuery{Since: t0, Until: t0})
	if err != nil || len(chs) != 4 {
		t.Errorf("changes on %s: got %d, %v; want 4 (indexed by day)", t0.Format(time.DateOnly), len(chs), err)
	}
}

func moa256(b []byte) string {
	if b == nil {
		return ""
	}
	doc, err := moa.Read(context.Background(), b, moa.DefaultLimits)
	if err != nil {
		panic(err)
	}
	return doc.SHA256
}

func TestRecordDocumentFetchRefusesMismatch(t *testing.T) {
	s, _ := docStore(t)
	r := pdfResult(t, moaA, pdfgen.PDF("x"), t0)
	r.Body = pdfgen.PDF("y")
	if _, err := s.RecordDocumentFetch(context.Background(), r, nil); err == nil {
		t.Error("got no error for a body that is not the read document, want one")
	}
	r.Doc = nil
	if _, err := s.RecordDocumentFetch(context.Background(), r, nil); err == nil {
		t.Error("got no error for a 200 without a document, want one")
	}
}

func TestDeadFromTheStartMakesNoChange(t *testing.T) {
	s, _ := docStore(t)
	ctx := context.Background()
	links, _ := s.DocumentLinks(ctx)
	s.NoteDocumentLinks(ctx, links, t0)
	out, err := s.RecordDocumentFetch(ctx, DocumentResult{URL: moaB, At: t0, Status: 404}, []Recipient{{ID: "email:a@example.org"}})
	if err != nil || len(out.Changes) != 0 || out.URL.Status != DocumentGone {
		t.Errorf("got %+v, %v; want gone with no change", out, err)
	}
	us, _ := s.DocumentsForAgreement(ctx, out.URL.Agreements[0])
	if len(us) != 2 {
		t.Errorf("got %d addresses for the agreement, want 2 (MOA and addendum)", len(us))
	}
}

// moaText is a page of MOA text naming lea, long enough to count as text.
func moaText(lea string) string {
	return "287(g) Jail Enforcement Model MEMORANDUM OF AGREEMENT. This Memorandum of Agreement constitutes an agreement between United States Immigration and Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), and the " +
		lea + ", hereinafter referred to as the LEA, pursuant to which ICE delegates authority. " + strings.Repeat("The LEA agrees to the terms set out in this memorandum for the program. ", 10)
}

func TestContradictionFlagged(t *testing.T) {
	s, aggs := docStore(t)
	ctx := context.Background()
	links, _ := s.DocumentLinks(ctx)
	s.NoteDocumentLinks(ctx, links, t0)
	var own string
	for _, a := range aggs {
		if a.MOAURL == moaA {
			own = a.Agency
		}
	}
	tests := []struct {
		name, lea string
		want      int
	}{
		{"own MOA", own, 0},
		{"another agency's MOA", "Elsewhere Parish Sheriff's Office", 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := pdfResult(t, moaA, pdfgen.PDF(moaText(tt.lea)), t0.Add(time.Duration(i)*time.Hour))
			if r.Doc.Fields.LEA == "" {
				t.Fatalf("the test PDF's LEA does not read: %+v", r.Doc.Fields)
			}
			out, err := s.RecordDocumentFetch(ctx, r, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.URL.Contradictions) != tt.want {
				t.Errorf("got contradictions %+v, want %d", out.URL.Contradictions, tt.want)
			}
		})
	}
}

func TestRecordWaybackLookup(t *testing.T) {
	s, _ := docStore(t)
	ctx := context.Background()
	links, _ := s.DocumentLinks(ctx)
	s.NoteDocumentLinks(ctx, links, t0)
	if err := s.RecordWaybackLookup(ctx, moaB, nil, nil, nil, t0); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.DocumentURL(ctx, moaB); u.Wayback != nil || !u.WaybackChecked.Equal(t0) {
		t.Errorf("after a lookup that found nothing: got %+v, want checked at %v, no capture", u, t0)
	}
	body := pdfgen.PDF("captured MOA")
	r := pdfResult(t, moaB, body, t0)
	c := &DocumentCapture{Timestamp: "20240101000000", PlaybackURL: "https://web.archive.org/web/20240101000000id_/" + moaB}
	if err := s.RecordWaybackLookup(ctx, moaB, c, body, r.Doc, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	u, _ := s.DocumentURL(ctx, moaB)
	if u.Wayback == nil || u.Wayback.SHA256 != r.Doc.SHA256 || u.Wayback.PlaybackURL != c.PlaybackURL || u.SHA256 != "" {
		t.Fatalf("got %+v, want the capture's provenance and no live copy", u)
	}
	f, got, err := s.Document(ctx, u.Wayback.SHA256)
	if err != nil || !bytes.Equal(got, body) || f.FirstURL != c.PlaybackURL {
		t.Errorf("got %+v, %d bytes, %v; want the capture's bytes, first URL the playback address", f, len(got), err)
	}
	if err := s.RecordWaybackLookup(ctx, "https://unknown.example/x.pdf", nil, nil, nil, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown address: got %v, want ErrNotFound", err)
	}
}

func TestVerifyRehashesDocuments(t *testing.T) {
	s, _ := docStore(t)
	ctx := context.Background()
	links, _ := s.DocumentLinks(ctx)
	s.NoteDocumentLinks(ctx, links, t0)
	r := pdfResult(t, moaA, pdfgen.PDF("to be damaged"), t0)
	if _, err := s.RecordDocumentFetch(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Verify(ctx)
	if err != nil || len(rep.Files) != 0 || rep.Checked[string(bucketDocFiles)] != 1 || rep.Checked[string(bucketDocURLs)] != 3 {
		t.Fatalf("before damage: got %+v, %v; want 1 document and 3 addresses checked, no mismatch", rep, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketDocFiles).Put(chunkKey(r.Doc.SHA256, 0), []byte("%PDF-damaged")); err != nil {
			return err
		}
		return tx.Bucket(bucketDocURLs).Put([]byte(moaB), []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = s.Verify(ctx)
	if err != nil || len(rep.Files) != 1 || rep.Files[0].SHA256 != r.Doc.SHA256 {
		t.Errorf("after damage: got files %+v, %v; want the damaged document", rep.Files, err)
	}
	found := false
	for _, b := range rep.Records {
		found = found || (b.Bucket == string(bucketDocURLs) && b.Key == moaB)
	}
	if !found {
		t.Errorf("got bad records %+v, want %s in %s", rep.Records, moaB, bucketDocURLs)
	}
}
