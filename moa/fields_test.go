package moa

import (
	"reflect"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// parties is section I's sentence of the 2019–2020 templates naming lea.
func parties(lea string) string {
	return "MEMORANDUM OF AGREEMENT 287(g) Jail Enforcement Model I. PARTIES This Memorandum of Agreement (MOA) constitutes an agreement between U.S. Immigration and Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), and " + lea + " pursuant to which ICE delegates to nominated, trained, certified, and authorized LEA personnel the authority."
}

// The field rules on text as the real documents' text layers give it, so
// they are tested where the shared sample is absent too.
func TestLEAFrom(t *testing.T) {
	tests := []struct {
		name, page, want string
	}{
		{"hereinafter", parties("Benton County Sheriff's Office, hereinafter the law enforcement agency (LEA),"), "Benton County Sheriff's Office"},
		{"the and an acronym", parties("the Baker County Sheriffs Office (BCSO),"), "Baker County Sheriffs Office"},
		{"OCR'd acronyms", strings.Replace(strings.Replace(parties("Canadian County Sheriff's Office, hereinafter"), "(ICE)", "~CB)", 1), "(DHS),", "(OHS),", 1), "Canadian County Sheriff's Office"},
		{"acronym glued", strings.Replace(parties("Matagorda County Sheriff's Office, hereinafter"), "(DHS), and", "(DHSj and", 1), "Matagorda County Sheriff's Office"},
		{"by and through", parties("Tarrant County, by and through the Tarrant County Sheriffs Office that is hereinafter known as the law enforcement agency (LEA),"), "Tarrant County Sheriffs Office"},
		{"no comma before pursuant", parties("the Lake County Sheriff's Office"), "Lake County Sheriff's Office"},
		{"a clause, not a name", parties("the a constitutional officer of the State of Florida, located at 76001 Bobby Moore Circle,"), ""},
		{"a blank form line", parties("the____________________,"), ""},
		{"spaced apostrophe", parties("the Lake County Sheriff ' s Office"), "Lake County Sheriff's Office"},
		{"no such sentence", "MEMORANDUM OF AGREEMENT between two parties", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, page, _ := leaFrom([]string{clean(tt.page)}, nil)
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if (page == 1) != (tt.want != "") {
				t.Errorf("page: got %d for %q", page, got)
			}
		})
	}
}

func TestInsertedName(t *testing.T) {
	const head = "MEMORANDUM OF AGREEMENT 287(g) Task Force Model This Memorandum of Agreement (MOA) constitutes an agreement between United States Immigration and Customs Enforcement (ICE), a component of the Department of Homeland "
	tests := []struct {
		name, page, want string
	}{
		{"drawn before Security", head + "Daytona Beach Shores Dept. of Public SafetySecurity (DHS), and the____________________, pursuant to which ICE delegates to nominated, trained, and certified officers or employees of the DBSDPS", "Daytona Beach Shores Dept. of Public Safety"},
		{"drawn after nominated", head + "Security (DHS), and the____________________, pursuant to which ICE delegates to nominated,Tavares Police Department, FL trained, and certified officers or employees of the Tavares P", "Tavares Police Department, FL"},
		{"written twice", head + "Security (DHS), and the____________________, pursuant to which ICE delegates to nominated, Eustis Police Department Eustis Police Department trained, and certified officers or employees of the", "Eustis Police Department"},
		{"no blank: not a flattened form", head + "Security (DHS), and the Kansas Bureau of Investigation (KBI), pursuant to which", ""},
		{"nothing inserted", head + "Security (DHS), and the , pursuant to which ICE delegates to nominated, trained, and certified officers or employees of the", ""},
		{"another sentence altogether", "This Memorandum constitutes an agreement between two parties, and the____ , pursuant " + strings.Repeat("unrelated words here ", 10), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := insertedName(clean(tt.page)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestModelFrom(t *testing.T) {
	wso := "MEMORANDUM OF AGREEMENT I. PARTIES … II. PURPOSE The purpose of this collaboration is to promote public safety by facilitating the custodial transfer of specific aliens in BCSO's jail/correctional facilities"
	tests := []struct {
		name  string
		pages []string
		want  string
		page  int
	}{
		{"title", []string{"MEMORANDUM OF AGREEMENT 287(g) Jail Enforcement Model I. PARTIES"}, sheet.JailEnforcement, 1},
		{"title, 2025 WSO", []string{"MEMORANDUM OF AGREEMENT Warrant Service Officer Program I. PARTIES"}, sheet.WarrantServiceOfficer, 1},
		{"purpose, 2019 WSO", []string{wso}, sheet.WarrantServiceOfficer, 1},
		{"purpose on page 2", []string{"MEMORANDUM OF AGREEMENT This Memorandum", "under the direction and supervision of ICE within the LEA's jurisdiction"}, sheet.TaskForce, 2},
		{"title and purpose disagree", []string{"287(g) Task Force Model " + wso}, "", 0},
		{"neither", []string{"MEMORANDUM OF AGREEMENT"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, page, _ := modelFrom(tt.pages, nil)
			if got != tt.want || page != tt.page {
				t.Fatalf("got %q (page %d), want %q (page %d)", got, page, tt.want, tt.page)
			}
		})
	}
}

func TestRevisionAndSignatureDates(t *testing.T) {
	pages := []string{
		"MEMORANDUM OF AGREEMENT Revised 02/12/2025",
		"terms Revised 02/12/2025 Rev 2/14/25",
		"By signing this MOA, each party represents … Date: 02/19/25 Date: February 27, 2025 Date: 2020.06.08 10:55:08 Date: OCT 1 5 2~19 Date: 13/45/2025 Revised 02/12/2025",
	}
	rev, page := revisionFrom(pages)
	if rev != "2025-02-12" || page != 1 {
		t.Errorf("revision: got %q (page %d), want 2025-02-12 (page 1)", rev, page)
	}
	form := []formField{{Name: "Date_2", Value: "March 5, 2025", Page: 3}, {Name: "Title", Value: "1/1/2025", Page: 3}}
	got := signatureDates(pages, form)
	want := []PageDate{{"2025-02-19", 3}, {"2025-02-27", 3}, {"2020-06-08", 3}, {"2025-03-05", 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("signature dates: got %v, want %v", got, want)
	}
}
