package diff

import "testing"

func TestDocumentKind(t *testing.T) {
	const a, b = "aaaa", "bbbb"
	tests := []struct {
		name   string
		prev   DocumentState
		got    DocumentFetch
		want   Kind
		wantOK bool
	}{
		{"first bytes", DocumentState{}, DocumentFetch{200, a}, DocumentAdded, true},
		{"same bytes", DocumentState{SHA256: a}, DocumentFetch{200, a}, "", false},
		{"new bytes", DocumentState{SHA256: a}, DocumentFetch{200, b}, DocumentReplaced, true},
		{"not modified", DocumentState{SHA256: a}, DocumentFetch{304, ""}, "", false},
		{"gone", DocumentState{SHA256: a}, DocumentFetch{404, ""}, DocumentGone, true},
		{"gone 410", DocumentState{SHA256: a}, DocumentFetch{410, ""}, DocumentGone, true},
		{"still gone", DocumentState{SHA256: a, Gone: true}, DocumentFetch{404, ""}, "", false},
		{"dead from the start", DocumentState{}, DocumentFetch{404, ""}, "", false},
		{"dead then first bytes", DocumentState{Gone: true}, DocumentFetch{200, a}, DocumentAdded, true},
		{"back same bytes", DocumentState{SHA256: a, Gone: true}, DocumentFetch{200, a}, DocumentBack, true},
		{"back new bytes", DocumentState{SHA256: a, Gone: true}, DocumentFetch{200, b}, DocumentBack, true},
		{"back by 304", DocumentState{SHA256: a, Gone: true}, DocumentFetch{304, ""}, DocumentBack, true},
		{"304 never archived", DocumentState{Gone: true}, DocumentFetch{304, ""}, "", false},
		{"200 not accepted", DocumentState{SHA256: a}, DocumentFetch{200, ""}, "", false},
		{"server error", DocumentState{SHA256: a}, DocumentFetch{500, ""}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DocumentKind(tt.prev, tt.got)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestFilterAcceptsDocumentKinds(t *testing.T) {
	for _, k := range []Kind{DocumentAdded, DocumentReplaced, DocumentGone, DocumentBack} {
		t.Run(string(k), func(t *testing.T) {
			f, err := Filter{Kinds: []Kind{Kind(" " + string(k) + " ")}}.Normalize()
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if len(f.Kinds) != 1 || f.Kinds[0] != k {
				t.Errorf("got kinds %v, want [%s]", f.Kinds, k)
			}
		})
	}
}
