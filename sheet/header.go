package sheet

import (
	"strings"

	"github.com/watch287g/watch287g/xlsx"
)

// field is a column the reader knows by meaning, whatever its header says.
type field int

const (
	fieldExtra field = iota
	fieldState
	fieldAgency
	fieldType
	fieldModel
	fieldSigned
	fieldMOA
)

// headerNames maps normalized header text (upper case, single spaces, no
// trailing colon) to the field it names. ICE's headers have been stable
// since 2025 but carried trailing blanks; the other spellings are what a
// hand-edited sheet plausibly says and cost nothing to accept.
var headerNames = map[string]field{
	"STATE":                       fieldState,
	"STATE NAME":                  fieldState,
	"LAW ENFORCEMENT AGENCY":      fieldAgency,
	"LAW ENFORCEMENT AGENCY NAME": fieldAgency,
	"AGENCY":                      fieldAgency,
	"AGENCY NAME":                 fieldAgency,
	"TYPE":                        fieldType,
	"AGENCY TYPE":                 fieldType,
	"SUPPORT TYPE":                fieldModel,
	"SUPPORT TYPES":               fieldModel,
	"MODEL":                       fieldModel,
	"287(G) MODEL":                fieldModel,
	"SIGNED":                      fieldSigned,
	"DATE SIGNED":                 fieldSigned,
	"SIGNED DATE":                 fieldSigned,
	"MOA SIGNED":                  fieldSigned,
	"MOA":                         fieldMOA,
	"MOA LINK":                    fieldMOA,
}

// column is one header cell.
type column struct {
	col   int // 1-based worksheet column
	name  string
	field field
}

// normHeader is the form header text is matched in.
func normHeader(s string) string {
	s = strings.ToUpper(collapseSpace(s))
	s = strings.TrimRight(s, ":*")
	return strings.TrimSpace(s)
}

// findHeader returns the index in sh.Rows of the first row, among the
// first headerScanRows, that names at least the state, the agency and the
// support type, with the columns it names.
func findHeader(sh *xlsx.Sheet) (int, []column, bool) {
	for i, row := range sh.Rows {
		if row.Num > headerScanRows {
			break
		}
		var cols []column
		seen := map[field]bool{}
		for _, c := range row.Cells {
			name := collapseSpace(c.Value)
			if name == "" {
				continue
			}
			f := headerNames[normHeader(name)]
			if f != fieldExtra && seen[f] {
				// A second column of a known kind: keep the first as
				// the field and this one as an extra, by its name.
				f = fieldExtra
			}
			seen[f] = true
			cols = append(cols, column{col: c.Col, name: name, field: f})
		}
		if seen[fieldState] && seen[fieldAgency] && seen[fieldModel] {
			return i, cols, true
		}
	}
	return 0, nil, false
}
