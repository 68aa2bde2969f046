package sheet

// State is a state or territory ICE's lists can carry.
type State struct {
	// Code is the USPS code ("TX"), the form Record.State holds.
	Code string `json:"code"`
	// Name is the name people read ("Texas", "U.S. Virgin Islands").
	Name string `json:"name"`
}

// states is the one table of states and territories: the 50 states and
// the District of Columbia by name, then the territories. Every package
// that needs a state's name or checks a code asks this package.
var states = []State{
	{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"}, {"CA", "California"},
	{"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"}, {"DC", "District of Columbia"},
	{"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"}, {"ID", "Idaho"}, {"IL", "Illinois"},
	{"IN", "Indiana"}, {"IA", "Iowa"}, {"KS", "Kansas"}, {"KY", "Kentucky"}, {"LA", "Louisiana"},
	{"ME", "Maine"}, {"MD", "Maryland"}, {"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"},
	{"MS", "Mississippi"}, {"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"},
	{"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"}, {"NY", "New York"},
	{"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"}, {"OK", "Oklahoma"}, {"OR", "Oregon"},
	{"PA", "Pennsylvania"}, {"RI", "Rhode Island"}, {"SC", "South Carolina"}, {"SD", "South Dakota"},
	{"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"}, {"VT", "Vermont"}, {"VA", "Virginia"},
	{"WA", "Washington"}, {"WV", "West Virginia"}, {"WI", "Wisconsin"}, {"WY", "Wyoming"},
	// Territories.
	{"AS", "American Samoa"}, {"GU", "Guam"}, {"MP", "Northern Mariana Islands"}, {"PR", "Puerto Rico"},
	{"VI", "U.S. Virgin Islands"},
}

// stateAliases are other spellings of a name the reader accepts, in the
// form lettersUpper leaves them.
var stateAliases = map[string]string{
	"WASHINGTON DC": "DC", "COMMONWEALTH OF THE NORTHERN MARIANA ISLANDS": "MP",
	"US VIRGIN ISLANDS": "VI", "VIRGIN ISLANDS": "VI", "UNITED STATES VIRGIN ISLANDS": "VI",
}

// stateByCode maps a USPS code to its entry in states.
var stateByCode = func() map[string]State {
	m := make(map[string]State, len(states))
	for _, s := range states {
		m[s.Code] = s
	}
	return m
}()

// stateNames maps upper-case state and territory names, as lettersUpper
// leaves them, to USPS codes: the table's names and the aliases.
var stateNames = func() map[string]string {
	m := make(map[string]string, len(states)+len(stateAliases))
	for _, s := range states {
		m[lettersUpper(s.Name)] = s.Code
	}
	for n, c := range stateAliases {
		m[n] = c
	}
	return m
}()

// States returns every state and territory, the 50 states and the
// District of Columbia by name, then the territories (AS, GU, MP, PR, VI).
// The slice is the caller's own.
func States() []State {
	return append([]State(nil), states...)
}

// StateName returns the name of a USPS code ("Texas" for "TX"), or "" when
// code is not a state or territory ICE's lists can carry.
func StateName(code string) string {
	return stateByCode[code].Name
}

// ValidState reports whether code is the upper-case USPS code of a state,
// the District of Columbia or a territory.
func ValidState(code string) bool {
	_, ok := stateByCode[code]
	return ok
}
