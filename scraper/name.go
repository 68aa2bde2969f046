package scraper

import (
	"mime"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The file-name forms ICE and the archives have used. Names are labels,
// not facts: they are parsed as well as they can be and never trusted for
// which list a file holds.
var (
	// corpusName is the shared corpus's "2025-09-02am_<original>.xlsx".
	corpusName = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(am|mid|pm)?_(.+)$`)
	// waybackName is "participatingAgencies-20250221214937" (capture time).
	waybackName = regexp.MustCompile(`(?i)^(?:287g)?(?:participating|pending)agenc(?:ies|y)-(\d{14})$`)
	// iceName is ICE's own "participatingAgencies09022025am", with the
	// "287g" prefix, "ParticipatingAgency" and any suffix after the digits.
	iceName = regexp.MustCompile(`(?i)^(?:287g)?(?:participating|pending)agenc(?:ies|y)[ _-]?(\d{6,9})(.*)$`)
	// slotName splits a suffix such as "am", "amB", "pm2", "am_b", "mid".
	slotName = regexp.MustCompile(`^(am|mid|pm)?[ _-]?([a-z0-9]*)$`)
)

// knownMistypes maps the digits of ICE file names whose date was mistyped
// (see the corpus's name_notes.tsv) to the date they meant. The generic
// repairs below find most of these too, but only when the reference time is
// close to publication; these are certain whatever the reference.
var knownMistypes = map[string]string{
	"090022025": "2025-09-02", // extra digit
	"08022025":  "2025-09-02", // month 08 for 09; first seen 2025-09-03 (pm)
	"10223025":  "2025-10-23", // transposed digits
	"11114025":  "2025-11-14", // repeated 1, dropped 2
}

// Year repair bounds: a claimed date this far before (or after) the
// reference is taken as a mistyped year, but only when the repaired date
// lands within repairWindow of the reference; otherwise the reference is
// probably just late (an import of old files, a file's mtime) and the
// claim stands.
const (
	implausibleAge = 183 * 24 * time.Hour
	repairWindow   = 60 * 24 * time.Hour
	// publishSlack allows for time zones and clocks: a file may claim a
	// date up to this long after the time it was seen.
	publishSlack = 3 * 24 * time.Hour
)

// ParseName reads the publication date (YYYY-MM-DD) and the slot of the day
// (am, mid, pm, with variants such as amb, pmb, pm2) from a spreadsheet's
// file name: ICE's forms (participatingAgencies<MMDDYYYY><slot>.xlsx and the
// ParticipatingAgencies, 287gParticipatingAgencies<MMDDYY> and
// ParticipatingAgency prefixes, pending alike), Wayback captures
// (participatingAgencies-YYYYMMDDhhmmss.xlsx) and the shared corpus's
// YYYY-MM-DD[slot]_<original>.xlsx, whose prefix holds the corrected date.
//
// ref is the time the file was seen (its Last-Modified, the fetch time, or a
// file's mtime); it is used to repair mistyped dates: a year that is
// implausible against ref (01052025 seen in January 2026 means 2026-01-05),
// an extra digit, transposed digits. ok is false when no date can be read.
func ParseName(name string, ref time.Time) (published, slot string, ok bool) {
	base := path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if m := corpusName.FindStringSubmatch(base); m != nil {
		d, err := time.Parse(time.DateOnly, m[1])
		if err == nil {
			slot = m[2]
			// The original name may carry a finer slot (amB, pm2) of the
			// same part of the day; keep it so files of one day order.
			if _, s, ok := parseOriginal(m[3], d); ok && slotBase(s) == slot && slot != "" {
				slot = s
			}
			return d.Format(time.DateOnly), slot, true
		}
	}
	return parseOriginal(base, ref)
}

// parseOriginal reads a name as ICE or the Wayback Machine gave it.
func parseOriginal(name string, ref time.Time) (published, slot string, ok bool) {
	stem := name
	if ext := path.Ext(stem); strings.EqualFold(ext, ".xlsx") || strings.EqualFold(ext, ".xls") {
		stem = strings.TrimSuffix(stem, ext)
	}
	// Archive decorations: "… copy", "__v2".
	stem = strings.TrimSpace(stem)
	stem = strings.TrimSuffix(stem, " copy")
	if i := strings.Index(stem, "__"); i > 0 {
		stem = stem[:i]
	}
	if m := waybackName.FindStringSubmatch(stem); m != nil {
		t, err := time.Parse("20060102150405", m[1])
		if err != nil {
			return "", "", false
		}
		return t.Format(time.DateOnly), "", true
	}
	m := iceName.FindStringSubmatch(stem)
	if m == nil {
		return "", "", false
	}
	d, ok := parseDigits(m[1], ref)
	if !ok {
		return "", "", false
	}
	return d.Format(time.DateOnly), normalizeSlot(m[2]), true
}

// normalizeSlot lower-cases a suffix and drops separators: "amB" → "amb",
// "am_b" → "amb", "pm2" → "pm2". A suffix that is not a slot is dropped.
func normalizeSlot(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	m := slotName.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}

// slotBase is the part of the day a slot names: "amb" → "am".
func slotBase(slot string) string {
	for _, b := range []string{"am", "mid", "pm"} {
		if strings.HasPrefix(slot, b) {
			return b
		}
	}
	return ""
}

// SlotOrder orders the files of one day: no slot, then am, amb (a second
// morning file), mid, pm, pm2/pmb, then unknown slots. Compare with
// cmp.Compare(SlotOrder(a), SlotOrder(b)).
func SlotOrder(slot string) int {
	slot = strings.ToLower(slot)
	base := slotBase(slot)
	rank := map[string]int{"": 0, "am": 10, "mid": 20, "pm": 30}[base]
	variant := strings.TrimPrefix(slot, base)
	switch {
	case variant == "":
		return rank
	case base == "" && rank == 0:
		// A suffix without a part of the day ("_b" alone) is a later
		// re-publication of that day; put it after the named slots.
		rank = 40
	}
	if n, err := strconv.Atoi(variant); err == nil && n >= 1 && n <= 9 {
		return rank + n - 1
	}
	if len(variant) == 1 && variant[0] >= 'a' && variant[0] <= 'i' {
		return rank + int(variant[0]-'a')
	}
	return rank + 9
}

// parseDigits reads ICE's MMDDYYYY (or MMDDYY after a "287g" prefix), with
// repairs for the mistypes ICE has made.
func parseDigits(digits string, ref time.Time) (time.Time, bool) {
	if s, ok := knownMistypes[digits]; ok {
		t, err := time.Parse(time.DateOnly, s)
		return t, err == nil
	}
	if len(digits) == 6 {
		digits = digits[:4] + "20" + digits[4:]
	}
	if len(digits) == 8 {
		if t, ok := mmddyyyy(digits); ok && t.Year() >= 2000 && t.Year() < 2100 {
			if f := fixYear(t, ref); plausible(f, ref) {
				return f, true
			}
		}
	}
	// Generic repairs: drop one digit (9 digits), swap two neighbours.
	// Among the valid candidates, take the one closest to ref.
	var cands []time.Time
	switch len(digits) {
	case 9:
		for i := range digits {
			if t, ok := mmddyyyy(digits[:i] + digits[i+1:]); ok {
				cands = append(cands, t)
			}
		}
	case 8:
		b := []byte(digits)
		for i := 0; i+1 < len(b); i++ {
			b[i], b[i+1] = b[i+1], b[i]
			if t, ok := mmddyyyy(string(b)); ok {
				cands = append(cands, t)
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
	best, found := time.Time{}, false
	for _, t := range cands {
		if !plausible(t, ref) {
			continue
		}
		if !found || absDur(t.Sub(ref)) < absDur(best.Sub(ref)) {
			best, found = t, true
		}
	}
	if found {
		return best, true
	}
	// Nothing better: a valid date that is only implausible against ref is
	// still the name's claim.
	if len(digits) == 8 {
		if t, ok := mmddyyyy(digits); ok && t.Year() >= 2000 && t.Year() < 2100 {
			return t, true
		}
	}
	return time.Time{}, false
}

// mmddyyyy parses eight digits as a real calendar date.
func mmddyyyy(s string) (time.Time, bool) {
	t, err := time.Parse("01022006", s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// plausible says whether a date could be a publication date seen at ref:
// this century, and not after ref by more than a couple of days, or before
// it by more than a year and a half (the corpus's Wayback files were
// archived months after ICE published them). A zero ref checks the
// century only.
func plausible(t, ref time.Time) bool {
	if t.Year() < 2000 || t.Year() >= 2100 {
		return false
	}
	if ref.IsZero() {
		return true
	}
	return t.Before(ref.Add(implausibleAge + publishSlack))
}

// fixYear moves a date to the neighbouring year when that lands it close to
// ref and the claimed year is implausibly far from it (ICE kept typing
// 2025 in January 2026).
func fixYear(t, ref time.Time) time.Time {
	if ref.IsZero() {
		return t
	}
	for _, dy := range []int{1, -1} {
		if dy == 1 && ref.Sub(t) <= implausibleAge {
			continue
		}
		if dy == -1 && t.Sub(ref) <= implausibleAge {
			continue
		}
		c := t.AddDate(dy, 0, 0)
		if c.Month() != t.Month() { // 29 February
			continue
		}
		if d := ref.Sub(c); d >= -publishSlack && d <= repairWindow {
			return c
		}
	}
	return t
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// MaxNameBytes caps a served file name. ICE's names are about 40 bytes; a
// longer one is kept up to this many bytes (on a rune boundary) and the
// cycle warns about it.
const MaxNameBytes = 1024

// fileName is the name a download is known by (servedName), capped at
// MaxNameBytes.
func fileName(contentDisposition string, u *url.URL) string {
	return truncateName(servedName(contentDisposition, u), MaxNameBytes)
}

// truncateName cuts name to at most n bytes without splitting a rune.
func truncateName(name string, n int) string {
	if len(name) <= n {
		return name
	}
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return name[:n]
}

// servedName is the name a download is served under: Content-Disposition's
// filename (RFC 6266, including RFC 5987 filename*), else the last segment
// of the URL's path. It is the publisher's data, kept as given (control
// characters included): only the directory part is dropped, and whoever
// makes it a path, a terminal line or a cell escapes it there.
func servedName(contentDisposition string, u *url.URL) string {
	if contentDisposition != "" {
		if _, params, err := mime.ParseMediaType(contentDisposition); err == nil {
			if n := cleanName(params["filename"]); n != "" {
				return n
			}
		} else if n := cdFallback(contentDisposition); n != "" {
			return n
		}
	}
	if u == nil {
		return ""
	}
	p := u.Path
	if p == "" {
		p = u.Opaque
	}
	return cleanName(path.Base(p))
}

// cdFallback reads filename="…" from a Content-Disposition that
// mime.ParseMediaType rejects (servers send unquoted spaces and the like).
func cdFallback(cd string) string {
	lower := strings.ToLower(cd)
	i := strings.Index(lower, "filename=")
	if i < 0 {
		return ""
	}
	v := strings.TrimSpace(cd[i+len("filename="):])
	if j := strings.IndexByte(v, ';'); j >= 0 {
		v = v[:j]
	}
	return cleanName(strings.Trim(v, `"' `))
}

// cleanName keeps only the base name, so a hostile header cannot name a
// path; "/", "." and ".." are no names.
func cleanName(n string) string {
	n = strings.TrimSpace(strings.ReplaceAll(n, `\`, "/"))
	n = path.Base(n)
	if n == "/" || n == "." || n == ".." {
		return ""
	}
	return n
}
