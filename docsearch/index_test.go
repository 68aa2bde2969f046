package docsearch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/internal/doctest"
	"github.com/watch287g/watch287g/internal/pdfgen"
	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/store"
)

const base = "https://www.ice.gov/doclib/287gMOA/"

// archive is a real store with three archived PDFs of known text, one
// of them gone, and a dead link.
func archive(t *testing.T) (*store.Store, []string) {
	t.Helper()
	return doctest.Build(t, "", []doctest.Doc{
		{State: "TX", Agency: "Alpha County Sheriff's Office", URL: base + "alpha.pdf",
			PDF: pdfgen.PDF("Memorandum of Agreement with the Alpha County Sheriff's Office.", "The LEA is responsible for personnel expenses. ICE will not reimburse the LEA.")},
		{State: "FL", Agency: "Beta County Sheriff's Office", URL: base + "beta.pdf", Gone: true,
			PDF: pdfgen.PDF("Beta page one.", "Beta page two.", "Costs of detention are reimbursed under a separate Intergovernmental Service Agreement.")},
		{State: "GA", Agency: "Gamma Police Department", URL: base + "gamma.pdf"},
	})
}

func TestIndexSearch(t *testing.T) {
	st, ids := archive(t)
	ix := New(st, Limits{}, nil)
	ctx := context.Background()

	res, err := ix.Search(ctx, "REIMBURSE", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 || len(res.Results) != 2 || res.Documents != 2 {
		t.Fatalf("got total %d, %d results, %d documents, want 2, 2, 2", res.Total, len(res.Results), res.Documents)
	}
	byPage := map[int]Result{}
	for _, r := range res.Results {
		byPage[r.Page] = r
	}
	a, b := byPage[2], byPage[3]
	if a.Snippet.Match != "reimburse." && a.Snippet.Match != "reimburse" || !strings.Contains(a.Snippet.Before, "ICE will not") {
		t.Errorf("got alpha snippet %+v, want the match and the words before it", a.Snippet)
	}
	if strings.Join(a.URLs, ",") != base+"alpha.pdf" || strings.Join(a.Agreements, ",") != ids[0] ||
		strings.Join(a.Agencies, ",") != "Alpha County Sheriff's Office" || a.Status != store.DocumentOK {
		t.Errorf("got alpha %+v, want its URL, agreement %s, agency and ok", a, ids[0])
	}
	if b.Snippet.Match != "reimbursed" || b.Status != store.DocumentGone || strings.Join(b.Agreements, ",") != ids[1] {
		t.Errorf("got beta page 3 %+v, want the match, gone, agreement %s", b, ids[1])
	}

	t.Run("phrase", func(t *testing.T) {
		res, err := ix.Search(ctx, `"separate intergovernmental service"`, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) != 1 || res.Results[0].Page != 3 || res.Results[0].Snippet.Match != "separate Intergovernmental Service" {
			t.Fatalf("got %+v, want beta page 3", res.Results)
		}
	})
	t.Run("and", func(t *testing.T) {
		res, err := ix.Search(ctx, "reimburse personnel", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) != 1 || res.Results[0].Page != 2 || res.Results[0].Matches != 2 {
			t.Fatalf("got %+v, want alpha page 2 with 2 matches", res.Results)
		}
	})
	t.Run("no match", func(t *testing.T) {
		res, err := ix.Search(ctx, "unicorn", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 || len(res.Results) != 0 || res.Results == nil {
			t.Fatalf("got %+v, want an empty (non-nil) list", res.Results)
		}
	})
	t.Run("paging", func(t *testing.T) {
		res, err := ix.Search(ctx, "reimburse", 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 2 || len(res.Results) != 1 || res.Offset != 1 {
			t.Fatalf("got total %d, %d results, offset %d, want 2, 1, 1", res.Total, len(res.Results), res.Offset)
		}
		res, err = ix.Search(ctx, "reimburse", 5, 1)
		if err != nil || len(res.Results) != 0 {
			t.Fatalf("got %v, %v, want no results past the end", res, err)
		}
	})
	t.Run("hostile", func(t *testing.T) {
		for _, q := range []string{strings.Repeat(`.*(a+)+$[`, 1200), `"`, "", "a b c d e f g h i j"} {
			if _, err := ix.Search(ctx, q, 0, 10); !errors.Is(err, ErrBadQuery) {
				t.Errorf("query of %d bytes: got %v, want ErrBadQuery", len(q), err)
			}
		}
		res, err := ix.Search(ctx, `.*(zq+)+$[ "reimburse"`, 0, 10)
		if err != nil || len(res.Results) != 0 {
			t.Errorf("got %v, %v: regular expression characters are text, want no match", res, err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := New(st, Limits{}, nil).Search(cctx, "reimburse", 0, 10); err == nil {
			t.Errorf("got no error, want the cancellation")
		}
	})
}

// TestSharedMOA archives real MOAs from ../shared/moa and finds a word on
// the page where pdftotext's text has it.
func TestSharedMOA(t *testing.T) {
	corpus, _ := corpustest.Find()
	dir := filepath.Join(filepath.Dir(corpus), "moa")
	names, _ := filepath.Glob(filepath.Join(dir, "287gJEM_*.pdf"))
	if len(names) == 0 {
		t.Skipf("shared MOA sample not found at %q", dir)
	}
	names = names[:min(len(names), 4)]
	var docs []doctest.Doc
	for i, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doctest.Doc{State: "TX", Agency: "Agency " + string(rune('A'+i)), URL: base + filepath.Base(n), PDF: b})
	}
	st, _ := doctest.Build(t, "", docs)
	res, err := New(st, Limits{}, nil).Search(context.Background(), "reimburse", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) == 0 {
		t.Fatalf("got no page with reimburse in %d MOAs, want some", len(names))
	}
	for _, r := range res.Results {
		text, ok, err := st.DocumentSearchText(context.Background(), r.SHA256)
		if err != nil || !ok {
			t.Fatalf("got %v, %v, want the text kept by the first search", ok, err)
		}
		if r.Page < 1 || r.Page > len(text) || !strings.Contains(strings.ToLower(text[r.Page-1]), "reimburs") {
			t.Errorf("got page %d of %s, whose text does not hold reimburs", r.Page, r.SHA256)
		}
		if m := strings.ToLower(r.Snippet.Match); !strings.HasPrefix(m, "reimburs") {
			t.Errorf("got match %q, want a word beginning reimburs", r.Snippet.Match)
		}
	}
}

// noText is a store that has kept no text (documents archived before it
// kept any): the index reads each PDF and gives the store its text.
type noText struct {
	*store.Store
	puts int
}

func (n *noText) DocumentSearchText(ctx context.Context, sha string) ([]string, bool, error) {
	return nil, false, ctx.Err()
}

func (n *noText) PutDocumentSearchText(ctx context.Context, sha string, pages []string) error {
	n.puts++
	return n.Store.PutDocumentSearchText(ctx, sha, pages)
}

func TestIndexReadsPDFWithoutStoredText(t *testing.T) {
	st, _ := archive(t)
	src := &noText{Store: st}
	ix := New(src, Limits{}, nil)
	for range 2 {
		res, err := ix.Search(context.Background(), "personnel", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Results) != 1 || res.Results[0].Page != 2 {
			t.Fatalf("got %+v, want alpha page 2", res.Results)
		}
	}
	if src.puts != 2 {
		t.Errorf("got %d texts stored, want 2 (each document read once, then kept in memory)", src.puts)
	}
}

// TestIndexSeesNewDocuments: a document archived after the index first
// searched is found by the next search.
func TestIndexSeesNewDocuments(t *testing.T) {
	st, ids := archive(t)
	ix := New(st, Limits{}, nil)
	ctx := context.Background()
	if res, err := ix.Search(ctx, "zebra", 0, 10); err != nil || res.Total != 0 {
		t.Fatalf("got %v, %v, want no match yet", res, err)
	}
	body := pdfgen.PDF("Gamma's MOA mentions a zebra.")
	doc, err := moa.Read(ctx, body, moa.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordDocumentFetch(ctx, store.DocumentResult{URL: base + "gamma.pdf", At: doctest.At.Add(48 * time.Hour), Status: 200, Body: body, Doc: doc}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, "zebra", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Results[0].SHA256 != doc.SHA256 || strings.Join(res.Results[0].Agreements, ",") != ids[2] || res.Documents != 3 {
		t.Errorf("got %+v, want gamma's new MOA, agreement %s, 3 documents", res, ids[2])
	}
}
