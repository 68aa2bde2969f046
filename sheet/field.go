package sheet

import "strings"

// modelLabels are the words people read for the normalized models: ICE's
// own, without the "Model" suffix that only some of its rows carry.
var modelLabels = map[string]string{
	JailEnforcement:       "Jail Enforcement",
	WarrantServiceOfficer: "Warrant Service Officer",
	TaskForce:             "Task Force",
}

// ModelLabel returns the label people read for a normalized model
// ("Task Force"), or m itself when it is not one of the known models.
func ModelLabel(m string) string {
	if l, ok := modelLabels[m]; ok {
		return l
	}
	return m
}

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
