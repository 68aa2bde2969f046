package sheet

// Model is one of the normalized support models.
type Model struct {
	// ID is the normalized constant (TaskForce), the form Record.Model holds.
	ID string `json:"id"`
	// Label is the words people read: ICE's own, without the "Model"
	// suffix that only some of its rows carry.
	Label string `json:"label"`
}

// models is the one table of support models, in the order ICE's lists
// name them. Every package that names or checks a model asks this package.
var models = []Model{
	{JailEnforcement, "Jail Enforcement"},
	{WarrantServiceOfficer, "Warrant Service Officer"},
	{TaskForce, "Task Force"},
}

// Models returns the normalized support models with their labels. The
// slice is the caller's own.
func Models() []Model {
	return append([]Model(nil), models...)
}

// ModelIDs returns the normalized model constants, for messages and flag
// help ("jail_enforcement, warrant_service_officer, task_force").
func ModelIDs() []string {
	ids := make([]string, len(models))
	for i, m := range models {
		ids[i] = m.ID
	}
	return ids
}

// ValidModel reports whether m is one of the normalized model constants
// (a label the reader could not map is kept in Record.Model as published,
// and is not valid).
func ValidModel(m string) bool {
	for _, x := range models {
		if x.ID == m {
			return true
		}
	}
	return false
}

// ModelLabel returns the label people read for a normalized model
// ("Task Force"), or m itself when it is not one of the known models.
func ModelLabel(m string) string {
	for _, x := range models {
		if x.ID == m {
			return x.Label
		}
	}
	return m
}
