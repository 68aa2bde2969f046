package diff

import (
	"fmt"
)

// LifecycleNote words a lifecycle change plainly for a reader, one line,
// the same in emails and the feed:
//
//	removed:  "missing from ICE's list of March 3, 2026 (not yet confirmed ended)"
//	ended:    "absent from ICE's lists since March 3, 2026 (4 lists)"
//	restored: "back on ICE's list of March 5, 2026 after 2 days"
//
// It is "" for the other kinds, for a pending removal linked to its
// signing (promoted_to), and for changes recorded before the lifecycle
// (no confirmed field), whose wording stays as it was. Only dates and
// counts are used, never text from ICE's files.
func LifecycleNote(c *Change) string {
	switch c.Kind {
	case Removed:
		if c.PromotedTo != "" || c.Confirmed == nil {
			return ""
		}
		return fmt.Sprintf("missing from ICE's list of %s (not yet confirmed ended)", longDate(c.AfterPublished))
	case Ended:
		since := c.AbsentSince
		if since == "" {
			since = c.AfterPublished
		}
		s := "absent from ICE's lists since " + longDate(since)
		switch {
		case c.AbsentLists == 1:
			s += " (1 list)"
		case c.AbsentLists > 1:
			s += fmt.Sprintf(" (%d lists)", c.AbsentLists)
		}
		return s
	case Restored:
		s := "back on ICE's list of " + longDate(c.AfterPublished)
		switch {
		case c.AbsentDays == 1:
			s += " after 1 day"
		case c.AbsentDays > 1:
			s += fmt.Sprintf(" after %d days", c.AbsentDays)
		}
		return s
	}
	return ""
}

// longDate turns YYYY-MM-DD into "March 3, 2026"; anything else reads
// "an unknown date" (a date is all that is ever shown here).
func longDate(s string) string {
	t, ok := parseDay(s)
	if !ok {
		return "an unknown date"
	}
	return t.Format("January 2, 2006")
}
