package sheet

import "strings"

// Field returns the value of a field by the name diff.Change.Fields uses:
// a Record's JSON name ("agency", "signed", "moa_url", …) or "extra.NAME"
// for an extra column. It returns "" for a nil record or an unknown name.
func (r *Record) Field(name string) string {
	if r == nil {
		return ""
	}
	switch name {
	case "state":
		return r.State
	case "state_name":
		return r.StateName
	case "agency":
		return r.Agency
	case "agency_raw":
		return r.AgencyRaw
	case "type":
		return r.Type
	case "model":
		return r.Model
	case "model_raw":
		return r.ModelRaw
	case "signed":
		return r.Signed
	case "signed_raw":
		return r.SignedRaw
	case "moa_url":
		return r.MOAURL
	case "moa_raw":
		return r.MOARaw
	case "moa_text":
		return r.MOAText
	}
	if k, ok := strings.CutPrefix(name, "extra."); ok {
		return r.Extra[k]
	}
	return ""
}
