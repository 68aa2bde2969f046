package sheet

import "testing"

func TestStateCode(t *testing.T) {
	tests := map[string]struct {
		code         string
		fuzzy, found bool
	}{
		"TEXAS":                    {"TX", false, true},
		"Texas ":                   {"TX", false, true},
		"AlABAMA":                  {"AL", false, true},
		"NORTHERN MARIANA ISLANDS": {"MP", false, true},
		"GUAM":                     {"GU", false, true},
		"PUERTO RICO":              {"PR", false, true},
		"PENNSLYVANIA":             {"PA", true, true},
		"WEST VIRIGINIA":           {"WV", true, true},
		"MCHIGAN":                  {"MI", true, true},
		"UTAHJ":                    {"UT", true, true},
		"TX":                       {"TX", false, true},
		"NARNIA":                   {"", false, false},
		"IOWAA":                    {"IA", true, true},
		"":                         {"", false, false},
		"OHIOWA":                   {"", false, false},
	}
	for in, tc := range tests {
		t.Run(in, func(t *testing.T) {
			code, fuzzy, ok := stateCode(in)
			if code != tc.code || fuzzy != tc.fuzzy || ok != tc.found {
				t.Errorf("got %q %v %v, want %q %v %v", code, fuzzy, ok, tc.code, tc.fuzzy, tc.found)
			}
		})
	}
}

func TestModelOf(t *testing.T) {
	tests := map[string]struct {
		model     string
		fuzzy, ok bool
	}{
		"Jail Enforcement Model ": {JailEnforcement, false, true},
		"Jail Enforcment Model":   {JailEnforcement, false, true},
		"Warrant Service Officer": {WarrantServiceOfficer, false, true},
		"Warrent Service Oficer":  {WarrantServiceOfficer, true, true},
		"Task Force Model":        {TaskForce, false, true},
		"TFM":                     {TaskForce, false, true},
		"Tribal Model":            {"Tribal Model", false, false},
	}
	for in, tc := range tests {
		t.Run(in, func(t *testing.T) {
			m, fuzzy, ok := modelOf(in)
			if m != tc.model || fuzzy != tc.fuzzy || ok != tc.ok {
				t.Errorf("got %q %v %v, want %q %v %v", m, fuzzy, ok, tc.model, tc.fuzzy, tc.ok)
			}
		})
	}
}

func TestSignedDate(t *testing.T) {
	tests := map[string]struct {
		in       string
		date1904 bool
		want     string
		note     bool
		err      bool
	}{
		"serial":            {in: "45922", want: "2025-09-22"},
		"serial with time":  {in: "45930.5", want: "2025-09-30"},
		"serial 1904":       {in: "44253", date1904: true, want: "2025-02-27"},
		"serial year typo":  {in: "3117560", want: "", err: true},
		"slash dropped":     {in: "05/082025", want: "2025-05-08", note: true},
		"short slash typo":  {in: "7/72025", want: "2025-07-07", note: true},
		"plain text date":   {in: "5/8/2025", want: "2025-05-08"},
		"two-digit year":    {in: "5/8/25", want: "2025-05-08"},
		"iso":               {in: "2025-05-08", want: "2025-05-08"},
		"month name":        {in: "May 8, 2025", want: "2025-05-08"},
		"impossible day":    {in: "2/30/2025", err: true},
		"words":             {in: "pending", err: true},
		"far-future serial": {in: "1137000", want: "5012-12-30", note: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, note, err := signedDate(tc.in, tc.date1904)
			if (err != nil) != tc.err {
				t.Fatalf("got error %v, want error %v", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if (note != "") != tc.note {
				t.Errorf("got note %q, want a note: %v", note, tc.note)
			}
		})
	}
}

func TestUnwrapURL(t *testing.T) {
	tests := map[string]string{
		"https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2FA.pdf&data=05%7C02&reserved=0": "https://www.ice.gov/doclib/287gMOA/A.pdf",
		"chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/287gMOA/B.pdf":                                      "https://www.ice.gov/doclib/287gMOA/B.pdf",
		"https:/www.ice.gov/doclib/287gMOA/C.pdf":                                           "https://www.ice.gov/doclib/287gMOA/C.pdf",
		" www.ice.gov/doclib/287gMOA/D.pdf ":                                                "https://www.ice.gov/doclib/287gMOA/D.pdf",
		"https://urldefense.com/v3/__https://www.ice.gov/doclib/E.pdf__;!!abc$":             "https://www.ice.gov/doclib/E.pdf",
		"https://urldefense.proofpoint.com/v2/url?u=https-3A__www.ice.gov_doclib_F.pdf&d=x": "https://www.ice.gov/doclib/F.pdf",
		"https://www.ice.gov/doclib/287gMOA/G H.pdf":                                        "https://www.ice.gov/doclib/287gMOA/G%20H.pdf",
		"http://www.ice.gov/doclib/287gMOA/H.pdf":                                           "http://www.ice.gov/doclib/287gMOA/H.pdf",
	}
	for in, want := range tests {
		if got := unwrapURL(in); got != want {
			t.Errorf("unwrapURL(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeAgency(t *testing.T) {
	tests := map[string]string{
		"Bucks County Sheriff\u2019s Office ":         "Bucks County Sheriff's Office",
		"\u00a0Cabell\u00a0County  Sheriff's\tOffice": "Cabell County Sheriff's Office",
		"\u201cWest\u201d Valley":                     `"West" Valley`,
		"Plain":                                       "Plain",
		"   ":                                         "",
	}
	for in, want := range tests {
		if got := normalizeAgency(in); got != want {
			t.Errorf("normalizeAgency(%q): got %q, want %q", in, got, want)
		}
	}
}
