package moa

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// sample is one row of ../shared/moa/manifest.tsv.
type sample struct {
	File, SHA256, Agency, Model string
	Pages, TextChars            int
}

// samples returns the shared MOA sample's directory and manifest, or skips
// the test when the folder is absent (it stays outside the repository).
func samples(t testing.TB) (string, []sample) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "moa"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Skipf("shared MOA sample not found at %q: tests that need the real PDFs are skipped", dir)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	var cols map[string]int
	for sc.Scan() {
		rec := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range rec {
				cols[c] = i
			}
			continue
		}
		get := func(c string) string {
			if i, ok := cols[c]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		pages, _ := strconv.Atoi(get("pages"))
		chars, _ := strconv.Atoi(get("text_chars"))
		model := map[string]string{"JEM": sheet.JailEnforcement, "WSO": sheet.WarrantServiceOfficer, "TFM": sheet.TaskForce}[get("model")]
		out = append(out, sample{File: get("file"), SHA256: get("sha256"), Agency: get("agency"), Model: model, Pages: pages, TextChars: chars})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("manifest %s lists no files", f.Name())
	}
	return dir, out
}

// agencyMatches reports whether an extracted LEA names the manifest's
// agency: the same distinctive words up to OCR-sized edits, and no
// contradiction.
func agencyMatches(lea, agency string) bool {
	return lea != "" && sameAgency(lea, agency)
}

// wantRevision is the revision footer each sample's text carries, by the
// file's model and era (read by hand from the text layer); "" for the
// 2019–2020 templates, which carry none, and for scans.
var wantRevision = map[string]string{
	"GraysonCountyDCKY_JEM_MOA_030425.pdf":                "2025-02-15",
	"hardeeCoSheriffsOffice_WSO_MOA_02.26.2025.pdf":       "2025-02-14",
	"OwyheeCoID_TFM_MOA_03.07.25.pdf":                     "2025-02-14",
	"SmithCoSheriffsOfficeTX_TFM_MOA_02.18.25.pdf":        "2025-02-14",
	"EustisPoliceDeptFL_TFM_MOA_03.26.2025.pdf":           "2025-03-07",
	"ArcadiaPDFL_TFM_MOA_030425.pdf":                      "2025-02-12",
	"ChattahoocheePoliceDept_TFM_MOA_02.28.25.pdf":        "2025-02-12",
	"KansasBureauOfInv_TFM_MOA_02182025.pdf":              "2025-02-12",
	"OklahomaBureauInvestigation_TFM_MOA_02.18.25.pdf":    "2025-02-12",
	"OklahomaBureauNarcotics_TFM_MOA_02.18.25.pdf":        "2025-02-12",
	"TavaresPoliceDeptFL_TFM_MOA_03.06.2025.pdf":          "2025-02-12",
	"daytonaBeachShoresPoliceDeptFL_TFM_MOA_03.07.25.pdf": "2025-02-12",
	"floridaStateGuard_TFM_MOA_03.19.25.pdf":              "2025-02-12",
	"lakeCountySherrifsOffice_TF_MOA_03122025.pdf":        "2025-02-12",
	"pascoCoSheriff_TFM_MOA_02272025.pdf":                 "2025-02-12",
}

// TestSampleDocuments reads every shared MOA: scans are flagged and get
// no fields; documents with text yield the manifest's model, a matching
// LEA where the text names one, and the footer's revision.
func TestSampleDocuments(t *testing.T) {
	dir, all := samples(t)
	var withText, lea, model int
	for _, s := range all {
		t.Run(s.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, s.File))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Read(context.Background(), b, DefaultLimits)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if doc.SHA256 != s.SHA256 {
				t.Errorf("sha256: got %s, want %s", doc.SHA256, s.SHA256)
			}
			if doc.Pages != s.Pages {
				t.Errorf("pages: got %d, want %d", doc.Pages, s.Pages)
			}
			scan := s.TextChars < minTextChars
			if doc.HasText == scan {
				t.Fatalf("has_text: got %v, want %v (manifest text_chars %d)", doc.HasText, !scan, s.TextChars)
			}
			if scan {
				if doc.Fields.LEA != "" || doc.Fields.Model != "" || len(doc.Warnings) == 0 {
					t.Errorf("scan: got fields %+v and warnings %q, want blank fields and a warning", doc.Fields, doc.Warnings)
				}
				return
			}
			withText++
			if doc.Fields.Model != s.Model {
				t.Errorf("model: got %q (page %d), want %q", doc.Fields.Model, doc.Fields.ModelPage, s.Model)
			} else {
				model++
			}
			t.Logf("lea %q (page %d, %s), model %s, revision %q, era %q, signature dates %v", doc.Fields.LEA, doc.Fields.LEAPage, doc.Fields.LEASource, doc.Fields.Model, doc.Fields.Revision, doc.Fields.Era, doc.Fields.SignatureDates)
			if agencyMatches(doc.Fields.LEA, s.Agency) {
				lea++
			} else if doc.Fields.LEA != "" {
				t.Errorf("lea: got %q, which does not name %q", doc.Fields.LEA, s.Agency)
			}
			if r := Contradicts(doc.Fields, s.Agency, s.Model); r != nil {
				t.Errorf("Contradicts with its own agreement: got %q, want none", r)
			}
			if got, want := doc.Fields.Revision, wantRevision[s.File]; got != want {
				t.Errorf("revision: got %q (page %d), want %q", got, doc.Fields.RevisionPage, want)
			}
			wantEra := "2019-2020"
			if wantRevision[s.File] != "" {
				wantEra = "2025"
			}
			if s.File == "TexasOfficeAttorneyGeneral_TFM_MOA_01.30.25.pdf" {
				wantEra = "" // a 2025 text without the footer: unsure
			}
			if doc.Fields.Era != wantEra {
				t.Errorf("era: got %q, want %q", doc.Fields.Era, wantEra)
			}
			if (doc.Fields.LEA == "") != (doc.Fields.LEAPage == 0) || (doc.Fields.Model == "") != (doc.Fields.ModelPage == 0) {
				t.Errorf("pages of fields: got %+v, want a page exactly for each value", doc.Fields)
			}
		})
	}
	t.Logf("%d documents with text: LEA right in %d, model right in %d", withText, lea, model)
	if withText > 0 && lea*100 < withText*85 {
		t.Errorf("LEA right in %d of %d, want at least 85%%", lea, withText)
	}
}
