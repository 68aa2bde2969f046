package diff

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// rec builds a participating record; the state name is the code's.
func rec(state, agency, model, signed, moa string) sheet.Record {
	names := map[string]string{"FL": "FLORIDA", "LA": "LOUISIANA", "MN": "MINNESOTA", "MA": "MASSACHUSETTS", "TX": "TEXAS", "PA": "PENNSYLVANIA", "VA": "VIRGINIA", "MT": "MONTANA"}
	return sheet.Record{State: state, StateName: names[state], Agency: agency, AgencyRaw: agency,
		Type: "County", Model: model, ModelRaw: model, Signed: signed, MOAURL: moa}
}

func agreements(recs ...sheet.Record) []Agreement {
	out := make([]Agreement, len(recs))
	for i, r := range recs {
		out[i] = Agreement{ID: fmt.Sprintf("a%d", i+1), Record: r, Since: "2025-01-01"}
	}
	return out
}

const (
	tfm = sheet.TaskForce
	wso = sheet.WarrantServiceOfficer
	jem = sheet.JailEnforcement
)

func TestCompareRules(t *testing.T) {
	type want struct {
		added, removed int
		changed        []string // "match:field,field" per changed agreement
	}
	tests := map[string]struct {
		old  []sheet.Record
		cur  []sheet.Record
		want want
	}{
		"unchanged": {
			old:  []sheet.Record{rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", "")},
			cur:  []sheet.Record{rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", "")},
			want: want{},
		},
		"typo fix Calacasieu": {
			old:  []sheet.Record{rec("LA", "Calacasieu Parish Sheriff's Office", wso, "2025-03-01", "")},
			cur:  []sheet.Record{rec("LA", "Calcasieu Parish Sheriff's Office", wso, "2025-03-01", "")},
			want: want{changed: []string{"name:agency"}},
		},
		"typo fix without a date (pending)": {
			old:  []sheet.Record{rec("LA", "Calacasieu Parish Sheriff's Office", wso, "", "")},
			cur:  []sheet.Record{rec("LA", "Calcasieu Parish Sheriff's Office", wso, "", "")},
			want: want{changed: []string{"name:agency"}},
		},
		"state code spelled out (MT Dept of Justice, 2025-03-17)": {
			old:  []sheet.Record{rec("MT", "MT Dept of Justice", tfm, "2025-03-05", "")},
			cur:  []sheet.Record{rec("MT", "Montana Department of Justice", tfm, "2025-03-05", "")},
			want: want{changed: []string{"name:agency"}},
		},
		"state name added without a date": {
			old:  []sheet.Record{rec("TX", "Department of Public Safety", tfm, "", "")},
			cur:  []sheet.Record{rec("TX", "Texas Department of Public Safety", tfm, "", "")},
			want: want{changed: []string{"name:agency"}},
		},
		"a different department of the same state stays apart": {
			old:  []sheet.Record{rec("TX", "Texas Department of Public Safety", tfm, "2025-03-05", "")},
			cur:  []sheet.Record{rec("TX", "Texas Department of Criminal Justice", tfm, "2025-03-05", "")},
			want: want{added: 1, removed: 1},
		},
		"Police Dept. to Police Department is the same key": {
			old:  []sheet.Record{rec("FL", "Panama City Police Dept.", tfm, "2025-02-26", "")},
			cur:  []sheet.Record{rec("FL", "Panama City Police Department", tfm, "2025-02-26", "")},
			want: want{changed: []string{"exact:agency"}},
		},
		"Miami Dade to Miami-Dade": {
			old:  []sheet.Record{rec("FL", "Miami Dade Sheriff's Office", tfm, "2025-02-26", "")},
			cur:  []sheet.Record{rec("FL", "Miami-Dade Sheriff's Office", tfm, "2025-02-26", "")},
			want: want{changed: []string{"exact:agency"}},
		},
		"Sheriffs vs Sheriff's, Co. vs County, PD, St.": {
			old: []sheet.Record{
				rec("PA", "Franklin Co. Sheriffs Office", tfm, "2025-03-10", ""),
				rec("FL", "St. Cloud PD", tfm, "2025-04-14", ""),
			},
			cur: []sheet.Record{
				rec("PA", "Franklin County Sheriff's Office", tfm, "2025-03-10", ""),
				rec("FL", "Saint Cloud Police Department", tfm, "2025-04-14", ""),
			},
			want: want{changed: []string{"exact:agency", "exact:agency"}},
		},
		"raw-only whitespace is not a change": {
			old: []sheet.Record{func() sheet.Record {
				r := rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", "")
				r.AgencyRaw = "Gulf County Sheriff's Office "
				r.Type = "County "
				return r
			}()},
			cur:  []sheet.Record{rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", "")},
			want: want{},
		},
		"signed date corrected": {
			old:  []sheet.Record{rec("TX", "Lampasas County Sheriff's Office", wso, "2024-07-15", "")},
			cur:  []sheet.Record{rec("TX", "Lampasas County Sheriff's Office", wso, "2025-07-15", "")},
			want: want{changed: []string{"exact:signed"}},
		},
		"re-signed with a new MOA": {
			old:  []sheet.Record{rec("TX", "Harris County Sheriff's Office", jem, "2020-01-01", "https://www.ice.gov/a.pdf")},
			cur:  []sheet.Record{rec("TX", "Harris County Sheriff's Office", jem, "2025-06-01", "https://www.ice.gov/b.pdf")},
			want: want{changed: []string{"exact:signed,moa_url"}},
		},
		"state typo fix (same name, model and date)": {
			old:  []sheet.Record{rec("MA", "Crow Wing County Sheriff's Office", wso, "2025-03-27", "")},
			cur:  []sheet.Record{rec("MN", "Crow Wing County Sheriff's Office", wso, "2025-03-27", "")},
			want: want{changed: []string{"state:state,state_name"}},
		},
		"same name in another state with another date is another agency": {
			old:  []sheet.Record{rec("TX", "Franklin County Sheriff's Office", jem, "2025-05-20", "")},
			cur:  []sheet.Record{rec("VA", "Franklin County Sheriff's Office", jem, "2025-04-23", "")},
			want: want{added: 1, removed: 1},
		},
		"state name typo keeps the code": {
			old: []sheet.Record{func() sheet.Record {
				r := rec("PA", "Cumberland County Sheriff's Office", tfm, "2025-07-01", "")
				r.StateName = "PENNSLYVANIA"
				return r
			}()},
			cur:  []sheet.Record{rec("PA", "Cumberland County Sheriff's Office", tfm, "2025-07-01", "")},
			want: want{changed: []string{"exact:state_name"}},
		},
		"freedom to freeborn on the same date": {
			old:  []sheet.Record{rec("MN", "Freedom County Sheriff's Office", wso, "2025-03-27", "")},
			cur:  []sheet.Record{rec("MN", "Freeborn County Sheriff's Office", wso, "2025-03-27", "")},
			want: want{changed: []string{"signed:agency"}},
		},
		"rename backed by the same MOA": {
			old:  []sheet.Record{rec("FL", "Florida Department of Agriculture", tfm, "2025-06-11", "https://www.ice.gov/doclib/287gMOA/FDACS_TFM.pdf")},
			cur:  []sheet.Record{rec("FL", "Office of Agricultural Law Enforcement", tfm, "2025-06-11", "https://www.ice.gov/doclib/287gMOA/FDACS_TFM.pdf")},
			want: want{changed: []string{"moa:agency"}},
		},
		"model label variant": {
			old: []sheet.Record{func() sheet.Record {
				r := rec("FL", "Gulf County Sheriff's Office", "Task Forse Modle", "2025-02-26", "")
				return r
			}()},
			cur:  []sheet.Record{rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", "")},
			want: want{changed: []string{"model:model"}},
		},
		"Gulf County BOCC is not Pasco County BOCC even on the same day": {
			old:  []sheet.Record{rec("FL", "Gulf County BOCC", wso, "2025-02-26", "")},
			cur:  []sheet.Record{rec("FL", "Pasco County BOCC", wso, "2025-02-26", "")},
			want: want{added: 1, removed: 1},
		},
		"City of Zephyrhills PD is not St. Cloud PD": {
			old:  []sheet.Record{rec("FL", "City of Zephyrhills Police Department", tfm, "2025-04-14", "")},
			cur:  []sheet.Record{rec("FL", "St. Cloud Police Department", tfm, "2025-04-14", "")},
			want: want{added: 1, removed: 1},
		},
		"Melbourne is not West Melbourne": {
			old:  []sheet.Record{rec("FL", "Melbourne Police Department", tfm, "", "")},
			cur:  []sheet.Record{rec("FL", "West Melbourne Police Department", tfm, "", "")},
			want: want{added: 1, removed: 1},
		},
		"sheriff is not the city police of the same name": {
			old:  []sheet.Record{rec("FL", "Franklin County Sheriff's Office", tfm, "2025-02-26", "")},
			cur:  []sheet.Record{rec("FL", "Franklin Police Department", tfm, "2025-03-26", "")},
			want: want{added: 1, removed: 1},
		},
		"second model of the same agency is added": {
			old: []sheet.Record{rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", "")},
			cur: []sheet.Record{
				rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", ""),
				rec("FL", "Gulf County Sheriff's Office", wso, "2025-02-26", ""),
			},
			want: want{added: 1},
		},
		"model change is a removal and an addition": {
			old:  []sheet.Record{rec("FL", "Sanpete County Sheriff's Office", jem, "2025-02-26", "")},
			cur:  []sheet.Record{rec("FL", "Sanpete County Sheriff's Office", wso, "2025-02-26", "")},
			want: want{added: 1, removed: 1},
		},
		"two agreements of one model split by signed date": {
			old: []sheet.Record{
				rec("FL", "Fort Walton Beach Police Department", tfm, "2025-02-28", "https://x/old.pdf"),
				rec("FL", "Fort Walton Beach Police Department", tfm, "2025-08-04", ""),
			},
			cur:  []sheet.Record{rec("FL", "Fort Walton Beach Police Department", tfm, "2025-08-04", "https://x/new.pdf")},
			want: want{removed: 1, changed: []string{"exact:moa_url"}},
		},
		"true termination": {
			old: []sheet.Record{
				rec("VA", "Virginia Department of State Police", tfm, "2025-02-28", ""),
				rec("VA", "Virginia Marine Resources Commission", tfm, "2025-05-01", ""),
			},
			cur:  []sheet.Record{rec("VA", "Virginia Department of State Police", tfm, "2025-02-28", "")},
			want: want{removed: 1},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			old := agreements(tc.old...)
			res := Compare(sheet.Participating, old, tc.cur, Options{})
			if got := len(res.Added); got != tc.want.added {
				t.Errorf("added: got %d, want %d (%+v)", got, tc.want.added, res.Added)
			}
			if got := len(res.Removed); got != tc.want.removed {
				t.Errorf("removed: got %d, want %d", got, tc.want.removed)
			}
			var got []string
			for _, c := range res.Changed {
				got = append(got, c.Match+":"+strings.Join(c.Fields, ","))
			}
			if !slices.Equal(got, tc.want.changed) {
				t.Errorf("changed: got %q, want %q", got, tc.want.changed)
			}
			if n := len(old) + len(res.Added) - len(res.Removed); len(res.Agreements) != n {
				t.Errorf("agreements: got %d, want %d", len(res.Agreements), n)
			}
			for _, c := range res.Changed {
				if !strings.HasPrefix(c.AgreementID, "a") {
					t.Errorf("changed agreement id: got %q, want an old id", c.AgreementID)
				}
			}
		})
	}
}

func TestFoldDuplicates(t *testing.T) {
	a := rec("FL", "Volusia County Sheriff's Office", tfm, "2025-02-26", "")
	a.Row = 168
	b := a
	b.Row = 222
	c := a
	c.Row = 300
	c.Type = "Municipality"
	aggs, warns := Fold([]sheet.Record{a, b, c})
	if len(aggs) != 1 {
		t.Fatalf("agreements: got %d, want 1", len(aggs))
	}
	if len(warns) != 2 {
		t.Fatalf("warnings: got %d, want 2", len(warns))
	}
	if !strings.Contains(warns[0].Message, "222") || !strings.Contains(warns[0].Message, "168") {
		t.Errorf("warning: got %q, want both rows named", warns[0].Message)
	}
	if !strings.Contains(warns[1].Message, "type") {
		t.Errorf("warning: got %q, want the differing field named", warns[1].Message)
	}
}

func TestIDsAndSince(t *testing.T) {
	old := agreements(rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", ""))
	cur := []sheet.Record{
		rec("FL", "Arcadia Police Department", tfm, "2025-03-01", ""),
		rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", ""),
		rec("FL", "Belleair Police Department", tfm, "2025-03-01", ""),
	}
	res := Compare(sheet.Participating, old, cur, Options{Published: "2025-03-06"})
	var ids []string
	for _, a := range res.Agreements {
		ids = append(ids, a.ID+"@"+a.Since)
	}
	want := []string{"new-1@2025-03-06", "a1@2025-01-01", "new-2@2025-03-06"}
	if !slices.Equal(ids, want) {
		t.Errorf("ids: got %q, want %q", ids, want)
	}
	res = Compare(sheet.Participating, old, cur, Options{NewID: func(r sheet.Record) string { return "id-" + r.Agency[:3] }})
	if got := res.Agreements[0].ID; got != "id-Arc" {
		t.Errorf("NewID: got %q, want %q", got, "id-Arc")
	}
	// Added is sorted by state then agency.
	if got := res.Added[0].After.Agency; got != "Arcadia Police Department" {
		t.Errorf("first added: got %q, want Arcadia", got)
	}
}

func TestPendingPromotion(t *testing.T) {
	pending := agreements(rec("FL", "Lake City Police Dept", tfm, "", ""))
	pending[0].Since = "2025-05-02"
	part := Compare(sheet.Participating, nil, []sheet.Record{
		rec("FL", "Lake City Police Department", tfm, "2025-06-01", ""),
		rec("FL", "Lady Lake Police Department", tfm, "2025-06-01", ""),
	}, Options{Pending: pending})
	got := map[string]string{}
	for _, c := range part.Added {
		got[c.After.Agency] = c.WasPendingSince
	}
	if got["Lake City Police Department"] != "2025-05-02" {
		t.Errorf("was_pending_since: got %q, want 2025-05-02", got["Lake City Police Department"])
	}
	if got["Lady Lake Police Department"] != "" {
		t.Errorf("was_pending_since for another agency: got %q, want empty", got["Lady Lake Police Department"])
	}

	res := Compare(sheet.Pending, pending, nil, Options{Participating: part.Agreements})
	if len(res.Removed) != 1 {
		t.Fatalf("removed: got %d, want 1", len(res.Removed))
	}
	if res.Removed[0].PromotedTo != part.Agreements[0].ID {
		t.Errorf("promoted_to: got %q, want %q", res.Removed[0].PromotedTo, part.Agreements[0].ID)
	}
	if res.Dropped() != 0 {
		t.Errorf("dropped: got %d, want 0", res.Dropped())
	}
}

func TestMarkChanges(t *testing.T) {
	tests := map[string]struct{ before, after, want string }{
		"one letter": {"Calacasieu Parish", "Calcasieu Parish", "Cal[-a-]casieu Parish"},
		"word added": {"Boca Raton Police Department", "Boca Raton Police Services Department", "Boca Raton Police {+Services +}Department"},
		"same":       {"x", "x", "x"},
		"replaced":   {"2024-07-15", "2025-07-15", "202[-4-]{+5+}-07-15"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := MarkChanges(tc.before, tc.after); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWriteTextAndCSV(t *testing.T) {
	old := agreements(
		rec("LA", "Calacasieu Parish Sheriff's Office", wso, "2025-03-01", ""),
		rec("VA", "Virginia Marine Resources Commission", tfm, "2025-05-01", "https://www.ice.gov/vmrc.pdf"),
	)
	res := Compare(sheet.Participating, old, []sheet.Record{
		rec("LA", "Calcasieu Parish Sheriff's Office", wso, "2025-03-01", ""),
		rec("TX", "Alice Police Department", tfm, "2026-01-05", ""),
	}, Options{})
	var b bytes.Buffer
	if err := WriteText(&b, res, TextOptions{Old: "a.xlsx", New: "b.xlsx"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"1 added, 1 removed, 1 changed, 0 unchanged; 2 agreements now",
		"Alice Police Department — Task Force — signed 2026-01-05",
		"Virginia Marine Resources Commission — Task Force — signed 2025-05-01 — https://www.ice.gov/vmrc.pdf",
		"agency: Calacasieu Parish Sheriff's Office → Calcasieu Parish Sheriff's Office",
		"Cal[-a-]casieu",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text: missing %q in\n%s", want, out)
		}
	}
	rows := CSVRows(res)
	if len(rows) != 3 {
		t.Fatalf("csv rows: got %d, want 3", len(rows))
	}
	if got := rows[2][slices.Index(ChangeCSVHeader(), "before")]; got != "agency=Calacasieu Parish Sheriff's Office" {
		t.Errorf("csv before: got %q, want agency=Calacasieu Parish Sheriff's Office", got)
	}
}

func TestAgencyKeyMatchesTokens(t *testing.T) {
	for _, s := range []string{"Sheriff's Office", "St. Cloud PD", "Florida Fish & Wildlife", "Doña Ana County", "County of Franklin / Franklin County Jail", " Co.  Dept ", ""} {
		if got, want := agencyKey(s), strings.Join(tokens(s), " "); got != want {
			t.Errorf("agencyKey(%q): got %q, want %q", s, got, want)
		}
	}
}

func TestOnParticipating(t *testing.T) {
	participating := agreements(
		rec("TX", "Harris County Sheriff's Office", tfm, "2025-02-20", ""),
		rec("TX", "Harris County Sheriff's Office", jem, "2025-02-20", ""),
		rec("FL", "Gulf County Sheriff's Office", tfm, "2025-02-26", ""),
	)
	pending := []sheet.Record{
		rec("TX", "Harris County Sheriff's Office", wso, "", ""),  // another model: not on the list
		rec("FL", "Gulf County Sheriff’s Office", tfm, "", ""),    // the same agreement, curly quote
		rec("FL", "Pasco County Sheriff's Office", tfm, "", ""),   // not on the list
		rec("TX", "Harris County Sheriff's Office.", jem, "", ""), // the same agreement
	}
	r := Compare(sheet.Pending, nil, pending, Options{Participating: participating})
	if r.OnParticipating != 2 {
		t.Fatalf("OnParticipating: got %d, want 2", r.OnParticipating)
	}
	if r := Compare(sheet.Participating, nil, pending, Options{Pending: participating}); r.OnParticipating != 0 {
		t.Fatalf("OnParticipating on a participating list: got %d, want 0 (it is counted for pending lists only)", r.OnParticipating)
	}
}
