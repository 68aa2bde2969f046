// Package sheet reads the spreadsheets ICE publishes for the 287(g) program
// (participatingAgencies*.xlsx and pendingAgencies*.xlsx) into normalized
// records. It is the start of watch287g's data flow: every other package
// builds on the Record type defined here.
//
// The reader is deliberately forgiving about values (a bad date or an unknown
// state becomes a Warning on that row and column, never a dropped row) and
// deliberately strict about structure (a file that is not a workbook, or
// whose header it cannot recognise, is an error), because a silently
// misread header is how a tracker announces hundreds of false terminations.
package sheet

// List names which of ICE's two lists a file holds. It is decided from the
// file's columns, never from its name or the link it came from.
type List string

// The two lists ICE publishes.
const (
	Participating List = "participating"
	Pending       List = "pending"
)

// Normalized support models. A label the reader cannot map is kept as
// published in Record.Model (and always in Record.ModelRaw).
const (
	JailEnforcement       = "jail_enforcement"
	WarrantServiceOfficer = "warrant_service_officer"
	TaskForce             = "task_force"
)

// Record is one data row of an ICE spreadsheet, normalized.
type Record struct {
	// Row is the 1-based row number in the worksheet, for warnings and
	// for pointing a reader back at the published file.
	Row int `json:"row"`
	// State is the USPS code (TX) derived from StateName, typos included;
	// empty (with a warning) when the name is not recognised.
	State string `json:"state"`
	// StateName is the state as published (upper case, sometimes
	// misspelled), with control characters removed.
	StateName string `json:"state_name"`
	// Agency has its whitespace collapsed, control characters (NUL, ESC,
	// bidi overrides, …) removed and quotes straightened; AgencyRaw is the
	// cell as published. Type, Model, MOAText and Extra values are cleaned
	// the same way (quotes aside); the *Raw fields never are.
	Agency    string `json:"agency"`
	AgencyRaw string `json:"agency_raw"`
	// Type is the agency type (County, Municipality, State Agency, …).
	Type string `json:"type"`
	// Model is one of the normalized model constants, or the raw label when
	// unknown; ModelRaw is the cell as published.
	Model    string `json:"model"`
	ModelRaw string `json:"model_raw"`
	// Signed is YYYY-MM-DD, empty when absent or unparseable (then with a
	// warning); SignedRaw is the cell as published (a serial or text).
	Signed    string `json:"signed,omitempty"`
	SignedRaw string `json:"signed_raw,omitempty"`
	// MOAURL is the signed MOA's address with SafeLinks and similar wrappers
	// removed, set only when that is an absolute http or https URL (a
	// javascript:, data: or relative link leaves it empty, with a warning);
	// MOARaw is the address as published (the cell's hyperlink, or a URL
	// pasted as text); MOAText is the cell's text ("link", "link pending", …).
	MOAURL  string `json:"moa_url,omitempty"`
	MOARaw  string `json:"moa_raw,omitempty"`
	MOAText string `json:"moa_text,omitempty"`
	// Extra holds every other column by its header name (COUNTY, ADDENDUM,
	// …), and "NAME URL" for a cell's http(s) hyperlink in such a column.
	Extra map[string]string `json:"extra,omitempty"`
}

// Warning is something the reader could not read cleanly. Row is the 1-based
// worksheet row (0 for the whole file) and Column the header name.
type Warning struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}
