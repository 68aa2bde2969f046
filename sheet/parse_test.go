package sheet

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// fixture reads a file written by internal/fixturegen.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatalf("read fixture (run go generate ./sheet/): %v", err)
	}
	return b
}

func TestParseRefusals(t *testing.T) {
	tests := map[string]struct {
		file string
		r    Reader
		want error
	}{
		"html block page":    {file: "html_block_page.xlsx", want: ErrNotXLSX},
		"truncated zip":      {file: "truncated.xlsx", want: ErrNotXLSX},
		"zip bomb":           {file: "zip_bomb.xlsx", want: ErrTooLarge},
		"no header":          {file: "no_header.xlsx", want: ErrNoHeader},
		"file over cap":      {file: "participating_quirks.xlsx", r: Reader{MaxFileSize: 1000}, want: ErrTooLarge},
		"part over cap":      {file: "participating_quirks.xlsx", r: Reader{MaxPartSize: 500}, want: ErrTooLarge},
		"total over cap":     {file: "participating_quirks.xlsx", r: Reader{MaxTotalSize: 2000}, want: ErrTooLarge},
		"bomb under own cap": {file: "zip_bomb.xlsx", r: Reader{MaxRatio: 100000}, want: ErrNoHeader},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := tc.r.Parse(fixture(t, tc.file))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got error %v, want %v", err, tc.want)
			}
			if f != nil {
				t.Errorf("got a file with %d records, want nil", len(f.Records))
			}
		})
	}
}

func TestSniff(t *testing.T) {
	if err := Sniff(fixture(t, "pending.xlsx")); err != nil {
		t.Errorf("pending.xlsx: got %v, want nil", err)
	}
	if err := Sniff(fixture(t, "html_block_page.xlsx")); !errors.Is(err, ErrNotXLSX) {
		t.Errorf("html page: got %v, want ErrNotXLSX", err)
	}
}

func TestParseFixtures(t *testing.T) {
	tests := map[string]struct {
		file     string
		list     List
		sheet    string
		records  int
		warnings []string // "row/column/substring" of each warning, in order
	}{
		"quirks": {file: "participating_quirks.xlsx", list: Participating, sheet: "Sheet1", records: 10, warnings: []string{
			"5/STATE/PENNSLYVANIA", "5/SIGNED/05/082025", "6/STATE/WEST VIRIGINIA", "6/SIGNED/blank", "7/SIGNED/7/72025",
			"10/STATE/UTAHJ", "10/SIGNED/not a date", "11/STATE/NARNIA", "11/SUPPORT TYPE/Dragon Model",
			"11/SIGNED/out of range", "12/LAW ENFORCEMENT AGENCY/no agency",
		}},
		"county and addendum, header on row 3": {file: "participating_county_addendum.xlsx", list: Participating, sheet: "Sheet 1", records: 3, warnings: []string{
			"6/SIGNED/8/282025", "0/COUNTY/Excel error",
		}},
		"date1904":            {file: "participating_date1904.xlsx", list: Participating, sheet: "Sheet1", records: 1},
		"pending":             {file: "pending.xlsx", list: Pending, sheet: "Sheet 1", records: 2, warnings: []string{"3/STATE/MCHIGAN", "0/COUNTY/Excel error"}},
		"pending with MOA":    {file: "pending_moa.xlsx", list: Pending, sheet: "Sheet1", records: 1},
		"pending header only": {file: "pending_header_only.xlsx", list: Pending, sheet: "Sheet 1", records: 0},
		"extra sheet":         {file: "extra_sheet.xlsx", list: Participating, sheet: "Sheet1", records: 1},
		"blank agency":        {file: "blank_agency.xlsx", list: Participating, sheet: "Sheet1", records: 1, warnings: []string{"3/LAW ENFORCEMENT AGENCY/no agency"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := Parse(fixture(t, tc.file))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if f.List != tc.list {
				t.Errorf("got list %s, want %s", f.List, tc.list)
			}
			if f.Sheet != tc.sheet {
				t.Errorf("got sheet %q, want %q", f.Sheet, tc.sheet)
			}
			if len(f.Records) != tc.records {
				t.Errorf("got %d records, want %d", len(f.Records), tc.records)
			}
			if len(f.Warnings) != len(tc.warnings) {
				t.Fatalf("got %d warnings %+v, want %d %q", len(f.Warnings), f.Warnings, len(tc.warnings), tc.warnings)
			}
			for i, want := range tc.warnings {
				parts := strings.SplitN(want, "/", 3)
				w := f.Warnings[i]
				if strconv.Itoa(w.Row) != parts[0] || w.Column != parts[1] || !strings.Contains(w.Message, parts[2]) {
					t.Errorf("warning %d: got %+v, want row %s column %s message containing %q", i, w, parts[0], parts[1], parts[2])
				}
			}
		})
	}
}

func TestParseQuirkValues(t *testing.T) {
	f, err := Parse(fixture(t, "participating_quirks.xlsx"))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	byRow := map[int]Record{}
	for _, r := range f.Records {
		byRow[r.Row] = r
	}
	northPort := "https://www.ice.gov/doclib/287gMOA/NorthPortCityPoliceDeptFL_TFM_MOA_04082025.pdf"
	tests := map[string]struct {
		row  int
		want Record
	}{
		"serial date and plain link": {2, Record{Row: 2, State: "TX", StateName: "TEXAS", Agency: "Harris County Sheriff's Office", AgencyRaw: "Harris County Sheriff's Office",
			Type: "County", Model: TaskForce, ModelRaw: "Task Force Model", Signed: "2025-02-27", SignedRaw: "45715",
			MOAURL: "https://www.ice.gov/doclib/287gMOA/HarrisCoTX_TFM_MOA_02.27.2025.pdf", MOARaw: "https://www.ice.gov/doclib/287gMOA/HarrisCoTX_TFM_MOA_02.27.2025.pdf", MOAText: "link"}},
		"safelinks unwrapped, trailing blanks": {3, Record{Row: 3, State: "FL", StateName: "FLORIDA", Agency: "North Port Police Department", AgencyRaw: "North Port Police Department ",
			Type: "Municipality", Model: TaskForce, ModelRaw: "Task Force Model ", Signed: "2025-04-08", SignedRaw: "45755",
			MOAURL: northPort, MOARaw: "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2FNorthPortCityPoliceDeptFL_TFM_MOA_04082025.pdf&data=05%7C02%7CWebmaster.ICE%40ice.dhs.gov%7C0%7C&sdata=abc%3D&reserved=0", MOAText: "link"}},
		"chrome extension link repaired": {4, Record{Row: 4, State: "FL", StateName: "FLORIDA", Agency: "University of Florida Police Department", AgencyRaw: "University of Florida Police Department",
			Type: "State Agency", Model: TaskForce, ModelRaw: "Task Force Model", Signed: "2025-04-15", SignedRaw: "45762",
			MOAURL: "https://www.ice.gov/doclib/287gMOA/UnivFLPDFL_TFM_MOA_041525.pdf", MOARaw: "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/287gMOA/UnivFLPDFL_TFM_MOA_041525.pdf", MOAText: "link"}},
		"state typo, curly quote, model typo, text date typo": {5, Record{Row: 5, State: "PA", StateName: "PENNSLYVANIA", Agency: "Bucks County Sheriff's Office", AgencyRaw: "Bucks County Sheriff\u2019s Office",
			Type: "County", Model: JailEnforcement, ModelRaw: "Jail Enforcment Model", Signed: "2025-05-08", SignedRaw: "05/082025", MOAText: "link pending"}},
		"nbsp collapsed, blank signed": {6, Record{Row: 6, State: "WV", StateName: "WEST VIRIGINIA", Agency: "Cabell County Sheriff's Office", AgencyRaw: "Cabell\u00a0County  Sheriff's Office\u00a0",
			Type: "County", Model: WarrantServiceOfficer, ModelRaw: "Warrant Service Officer", MOAText: "link pending"}},
		"rich text, pasted URL": {7, Record{Row: 7, State: "TX", StateName: "Texas ", Agency: "Galveston County Sheriff's Office", AgencyRaw: "Galveston County Sheriff's Office",
			Type: "County", Model: WarrantServiceOfficer, ModelRaw: "Warrant Service Officer", Signed: "2025-07-07", SignedRaw: "7/72025",
			MOAURL: "https://www.ice.gov/doclib/287gMOA/GalvestonCoTX_WSO_MOA.pdf", MOARaw: "https://www.ice.gov/doclib/287gMOA/GalvestonCoTX_WSO_MOA.pdf", MOAText: "https://www.ice.gov/doclib/287gMOA/GalvestonCoTX_WSO_MOA.pdf"}},
		"inline strings": {8, Record{Row: 8, State: "OK", StateName: "OKLAHOMA", Agency: "Beggs Police Department", AgencyRaw: "Beggs Police Department ",
			Type: "Municipality", Model: TaskForce, ModelRaw: "Task Force Model", Signed: "2025-05-23", SignedRaw: "45800",
			MOAURL: "https://www.ice.gov/doclib/287gMOA/HarrisCoTX_TFM_MOA_02.27.2025.pdf", MOARaw: "https://www.ice.gov/doclib/287gMOA/HarrisCoTX_TFM_MOA_02.27.2025.pdf", MOAText: "link"}},
		"abbreviated model, fancy quotes": {10, Record{Row: 10, State: "UT", StateName: "UTAHJ", Agency: `"West" Valley City Police Department`, AgencyRaw: "\u201cWest\u201d Valley City Police Department",
			Type: "Municipality", Model: TaskForce, ModelRaw: "TFM", SignedRaw: "not a date", MOAText: "Link Pending"}},
		"unknown state and model kept": {11, Record{Row: 11, StateName: "NARNIA", Agency: "Cair Paravel Police", AgencyRaw: "Cair Paravel Police",
			Type: "Municipality", Model: "Dragon Model", ModelRaw: "Dragon Model", SignedRaw: "3117560", MOAText: ""}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := byRow[tc.row]
			if !ok {
				t.Fatalf("got no record for row %d, want one", tc.row)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	// The duplicate rows 8 and 9 are both records: folding them is the
	// diff's job, with a warning there.
	if a, b := byRow[8], byRow[9]; a.Agency != b.Agency || b.Row != 9 {
		t.Errorf("got rows 8 and 9 %+v %+v, want the same agency twice", a, b)
	}
}

func TestParseExtraColumns(t *testing.T) {
	f, err := Parse(fixture(t, "participating_county_addendum.xlsx"))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	wantHeader := []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SIGNED", "Support Type", "COUNTY", "MOA", "ADDENDUM"}
	if !reflect.DeepEqual(f.Header, wantHeader) {
		t.Errorf("got header %q, want %q", f.Header, wantHeader)
	}
	tests := []struct {
		row   int
		extra map[string]string
		moa   string
	}{
		{4, map[string]string{"COUNTY": "Cobb County", "ADDENDUM": "link", "ADDENDUM URL": "https://www.ice.gov/doclib/287gMOA/NorthPortCityPoliceDeptFL_TFM_MOA_04082025.pdf"}, "link | addendum"},
		{5, map[string]string{"ADDENDUM": "Link Pending"}, "link"},
		{6, nil, "link pending"},
	}
	for i, tc := range tests {
		r := f.Records[i]
		if r.Row != tc.row || !reflect.DeepEqual(r.Extra, tc.extra) || r.MOAText != tc.moa {
			t.Errorf("record %d: got row %d extra %q moa %q, want row %d extra %q moa %q", i, r.Row, r.Extra, r.MOAText, tc.row, tc.extra, tc.moa)
		}
	}
	if f.Records[1].Signed != "2025-09-30" || f.Records[1].State != "GU" || f.Records[2].State != "MP" {
		t.Errorf("got %+v, want GU signed 2025-09-30 and MP", f.Records[1:])
	}
}

func TestParseDate1904(t *testing.T) {
	f, err := Parse(fixture(t, "participating_date1904.xlsx"))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	// Serial 44253 is 2021-02-26 in the 1900 system, 2025-02-27 in 1904.
	if got := f.Records[0].Signed; got != "2025-02-27" {
		t.Errorf("got signed %s, want 2025-02-27", got)
	}
}
