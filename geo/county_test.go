package geo

import (
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

func TestCountyOf(t *testing.T) {
	tests := []struct {
		name               string
		state, agency, col string
		wantName, wantFIPS string
		wantOK             bool
	}{
		// From the COUNTY column.
		{"column", "TX", "Pasadena Police Department", "Harris County", "Harris County", "48201", true},
		{"column bare name", "KS", "Caney Police Department", "Montgomery", "Montgomery County", "20125", true},
		{"column misspelled kind", "TX", "New Berlin Marshal's Office", "Guadalupe Conty", "Guadalupe County", "48187", true},
		{"column misspelled name", "LA", "Calcasieu Parish Sheriff's Office", "Calacasieu Parish", "Calcasieu Parish", "22019", true},
		{"column two edits in a long name", "FL", "Bunnell Police Department", "Flagere County", "Flagler County", "12035", true},
		{"column county for a parish", "LA", "Arnaudville Police Department", "Saint Landry County", "St. Landry Parish", "22097", true},
		{"column city and county", "TN", "Sparta Police Department", "Sparta-White County", "White County", "47185", true},
		{"column city", "VA", "Richmond Police Department", "Richmond City", "Richmond city", "51760", true},
		{"column bare name prefers the county", "VA", "Some Agency", "Richmond", "Richmond County", "51159", true},
		{"column name with City in it", "VA", "Charles City Sheriff", "Charles City County", "Charles City County", "51036", true},
		{"column names a county for a city", "VA", "Hopewell Sheriff's Office", "Hopewell County", "Hopewell city", "51670", true},
		{"column placeholder", "FL", "Venice Police Department", "N/A", "", "", false},
		{"column of another state", "AR", "Texarkana Police Department", "Bowie County", "", "", false},
		{"column too short to guess", "TX", "Marlin Police Department", "Fall County", "", "", false},
		{"column ambiguous typo", "GA", "Some Police Department", "Spaulding County", "", "", false},

		// From the agency's own name.
		{"sheriff", "TX", "Harris County Sheriff's Office", "", "Harris County", "48201", true},
		{"sheriff of", "TX", "Sheriff of Harris County", "", "Harris County", "48201", true},
		{"county of", "PA", "County of Franklin Jail", "", "Franklin County", "42055", true},
		{"two words", "FL", "Indian River County Sheriff's Office", "", "Indian River County", "12061", true},
		{"st without period", "FL", "St Johns County Sheriff's Office", "", "St. Johns County", "12109", true},
		{"saint spelled out", "MO", "Saint Louis County Police", "", "St. Louis County", "29189", true},
		{"st louis city", "MO", "St. Louis City Sheriff's Office", "", "St. Louis city", "29510", true},
		{"apostrophe", "MD", "Prince Georges County Police Department", "", "Prince George's County", "24033", true},
		{"accent", "NM", "Dona Ana County Sheriff's Office", "", "Doña Ana County", "35013", true},
		{"parish", "LA", "Lafourche Parish Sheriff's Office", "", "Lafourche Parish", "22057", true},
		{"county word in Louisiana", "LA", "Lafourche County Sheriff's Office", "", "Lafourche Parish", "22057", true},
		{"borough", "AK", "Fairbanks North Star Borough Police", "", "Fairbanks North Star Borough", "02090", true},
		{"municipality of", "AK", "Municipality of Anchorage Police", "", "Anchorage Municipality", "02020", true},
		{"pennsylvania borough is a town", "PA", "Addison Borough Constable's Office", "Somerset County", "Somerset County", "42111", true},
		{"virginia city of", "VA", "City of Richmond Sheriff's Office", "", "Richmond city", "51760", true},
		{"virginia richmond county", "VA", "Richmond County Sheriff's Office", "", "Richmond County", "51159", true},
		{"virginia city sheriff", "VA", "Virginia Beach Sheriff's Office", "", "Virginia Beach city", "51810", true},
		{"virginia city and county named alike", "VA", "Roanoke City Sheriff's Office", "", "Roanoke city", "51770", true},
		{"name misspelled", "SD", "Minehaha County Sheriff's Office", "", "Minnehaha County", "46099", true},
		{"name outranks a wrong column", "PA", "Bradford County Sheriff's Office", "Bedford County", "Bradford County", "42015", true},
		{"alias", "FL", "Jacksonville Sheriff's Office", "", "Duval County", "12031", true},
		{"alias without hyphen", "FL", "Miami Dade Corrections and Rehabilitation", "", "Miami-Dade County", "12086", true},
		{"metro authority of", "MI", "Metro Police Authority of Genesee County", "#NA", "Genesee County", "26049", true},
		{"state's name before sheriff", "OK", "Oklahoma Sheriffs' Association", "", "", "", false},
		{"state's name with county", "OK", "Oklahoma County Sheriff's Office", "", "Oklahoma County", "40109", true},
		{"lake city is not lake county", "FL", "Lake City Police Department", "", "", "", false},
		{"orange city is not orange county", "FL", "Orange City Police Department", "", "", "", false},
		{"city of monroe is not monroe county", "GA", "City of Monroe Police Department", "", "", "", false},
		{"city police without county", "FL", "Apopka Police Department", "", "", "", false},
		{"state agency", "TX", "Texas Department of Public Safety", "", "", "", false},
		{"regional jail", "VA", "Rappahannock, Shenandoah, Warren Regional Jail Authority", "#NA", "", "", false},
		{"county of another state", "MT", "Cass County Sheriff's Office", "", "", "", false},

		// One county equivalent.
		{"guam", "GU", "Office Of The Attorney General", "Kattan District", "Guam", "66010", true},
		{"dc", "DC", "Metropolitan Police Department", "", "District of Columbia", "11001", true},
		{"territory without counties", "MP", "CNMI Department of Corrections", "", "", "", false},
		{"unknown state", "ZZ", "Harris County Sheriff's Office", "", "", "", false},
		{"lower-case state", "tx", "Harris County Sheriff's Office", "", "Harris County", "48201", true},
		{"empty", "", "", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := CountyOf(tt.state, tt.agency, tt.col)
			if ok != tt.wantOK || got.Name != tt.wantName || got.FIPS != tt.wantFIPS {
				t.Errorf("CountyOf(%q, %q, %q): got %q %q %v, want %q %q %v",
					tt.state, tt.agency, tt.col, got.Name, got.FIPS, ok, tt.wantName, tt.wantFIPS, tt.wantOK)
			}
		})
	}
}

func TestRecordCounty(t *testing.T) {
	tests := []struct {
		name     string
		rec      *sheet.Record
		wantFIPS string
		wantOK   bool
	}{
		{"county column", &sheet.Record{State: "TX", Agency: "Pasadena Police Department", Extra: map[string]string{"COUNTY": "Harris County"}}, "48201", true},
		{"header in another case", &sheet.Record{State: "TX", Agency: "Pasadena Police Department", Extra: map[string]string{" County ": "Harris County"}}, "48201", true},
		{"name only", &sheet.Record{State: "TX", Agency: "Harris County Sheriff's Office"}, "48201", true},
		{"nothing", &sheet.Record{State: "TX", Agency: "Pasadena Police Department"}, "", false},
		{"nil", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RecordCounty(tt.rec)
			if ok != tt.wantOK || got.FIPS != tt.wantFIPS {
				t.Errorf("got %q %v, want %q %v", got.FIPS, ok, tt.wantFIPS, tt.wantOK)
			}
		})
	}
}

func TestWords(t *testing.T) {
	tests := map[string]string{
		"St. Mary's Parish":       "st marys parish",
		"Saint  Louis":            "st louis",
		"Doña Ana":                "dona ana",
		"Miami-Dade County BOCC":  "miami dade county bocc",
		"Sheriff’s Office, PA":    "sheriffs office pa",
		"":                        "",
		"Ward 5 Marshal's Office": "ward 5 marshals office",
	}
	for in, want := range tests {
		got := ""
		for i, w := range words(in) {
			if i > 0 {
				got += " "
			}
			got += w
		}
		if got != want {
			t.Errorf("words(%q): got %q, want %q", in, got, want)
		}
	}
}

func BenchmarkCountyOf(b *testing.B) {
	if _, err := loadAtlas(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		CountyOf("TX", "Pasadena Police Department", "Harris County")
		CountyOf("FL", "Apopka Police Department", "")
	}
}
