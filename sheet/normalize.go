package sheet

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/watch287g/watch287g/internal/escape"
)

// collapseSpace trims s and turns every run of white space, non-breaking
// and zero-width spaces included, into one ASCII space.
func collapseSpace(s string) string {
	clean := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c == ' ' && prevSpace) {
			clean = false
			break
		}
		prevSpace = c == ' '
	}
	if clean && !strings.HasSuffix(s, " ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' || r == '\u2007' || r == '\u202f' || r == '\ufeff' {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cleanText is the form names and other text values are kept in:
// collapseSpace's, with NUL and every other control or bidi-format
// character removed (escape.StripControl), so a name cannot carry an
// escape sequence or a hidden byte into a page, a feed or a terminal. The
// raw fields keep the text as published.
func cleanText(s string) string {
	if plainText(s) {
		return s // nearly every value: no pass that would change nothing
	}
	// Tabs and line breaks are controls too, but they separate words:
	// turn them into spaces first, then strip what is left.
	return collapseSpace(escape.StripControl(strings.Map(spaceControl, s)))
}

// plainText reports whether s is printable ASCII with single spaces
// between words and none at either end: text cleanText returns unchanged.
func plainText(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == ' ' && s[i-1] == ' ' {
			return false
		}
	}
	return true
}

// stripControl is escape.StripControl, which printable ASCII passes
// unchanged: checked here byte by byte rather than rune by rune.
func stripControl(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return escape.StripControl(s)
		}
	}
	return s
}

// spaceControl turns the white-space control characters into spaces.
func spaceControl(r rune) rune {
	switch r {
	case '\t', '\n', '\r', '\v', '\f', '\u0085':
		return ' '
	}
	return r
}

// quoteReplacer straightens the typographic quotes Word and Outlook put in
// names ("Sheriff’s Office").
var quoteReplacer = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'", "\u2032", "'", "\u00b4", "'", "`", "'",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u201f", `"`, "\u2033", `"`,
)

// normalizeAgency is the agency name as compared: white space collapsed,
// control characters removed, quotes straightened.
func normalizeAgency(s string) string {
	s = cleanText(s)
	// Every quote the replacer straightens is a backtick or starts with
	// byte 0xC2 or 0xE2; a name without them is returned as it is (the
	// replacer copies every string it is given).
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '`', 0xc2, 0xe2:
			return quoteReplacer.Replace(s)
		}
	}
	return s
}

// lettersUpper keeps only letters, upper-cased, with single spaces between
// words: the form state and model labels are matched in.
func lettersUpper(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToUpper(r))
		default:
			space = true
		}
	}
	return b.String()
}

// stateCode maps a published state name to its USPS code. fuzzy is true
// when the name is not one of the known spellings and was matched to the
// closest one (PENNSLYVANIA, UTAHJ).
func stateCode(name string) (code string, fuzzy, ok bool) {
	key := lettersUpper(name)
	if key == "" {
		return "", false, false
	}
	if c, ok := stateNames[key]; ok {
		return c, false, true
	}
	if ValidState(key) {
		return key, false, true
	}
	// Conservative fallback: the single closest known name within one
	// edit (two for long names, where a transposition or a dropped letter
	// cannot turn one state into another).
	limit := 1
	if len(key) >= 8 {
		limit = 2
	}
	best, bestD, ties := "", limit+1, 0
	for n, c := range stateNames {
		d := EditDistance(key, n, limit)
		switch {
		case d < bestD:
			best, bestD, ties = c, d, 0
		case d == bestD && c != best:
			ties++
		}
	}
	if best == "" || bestD > limit || ties > 0 {
		return "", false, false
	}
	return best, true, true
}

// modelOf maps a support type label to a model constant. An unknown label is
// returned as published with ok false.
func modelOf(raw string) (model string, fuzzy, ok bool) {
	key := lettersUpper(raw)
	switch key {
	case "JEM", "JAIL":
		return JailEnforcement, false, true
	case "WSO":
		return WarrantServiceOfficer, false, true
	case "TFM", "TASK FORCE":
		return TaskForce, false, true
	}
	switch {
	case strings.Contains(key, "JAIL"):
		return JailEnforcement, false, true
	case strings.Contains(key, "WARRANT"):
		return WarrantServiceOfficer, false, true
	case strings.Contains(key, "TASK"):
		return TaskForce, false, true
	}
	labels := []struct{ label, model string }{
		{"JAIL ENFORCEMENT MODEL", JailEnforcement},
		{"WARRANT SERVICE OFFICER", WarrantServiceOfficer},
		{"TASK FORCE MODEL", TaskForce},
	}
	for _, l := range labels {
		if EditDistance(key, l.label, 3) <= 3 {
			return l.model, true, true
		}
	}
	return escape.StripControl(strings.TrimSpace(raw)), false, false
}

// EditDistance is the optimal-string-alignment distance between a and b,
// on bytes: Levenshtein plus adjacent transpositions, each one edit. It
// gives up and returns limit+1 as soon as the distance must exceed limit,
// which keeps matching a name against hundreds of others cheap. The reader
// uses it for misspelled state and model labels, diff for agency typos.
func EditDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	// Three rows of the table; on the stack for names (the common case),
	// so matching a name against every state allocates nothing.
	var stack [3 * 64]int
	n := len(b) + 1
	buf := stack[:0]
	if 3*n <= len(stack) {
		buf = stack[:3*n]
	} else {
		buf = make([]int, 3*n)
	}
	prev2, prev, cur := buf[:n:n], buf[n:2*n:2*n], buf[2*n:]
	clear(prev2)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[len(b)] > limit {
		return limit + 1
	}
	return prev[len(b)]
}

// Plausible signing years: the first 287(g) agreement was signed in 2002.
const (
	firstYear = 2002
	lastYear  = 2099
)

// signedDate reads a SIGNED cell: an Excel date serial (numeric), or text
// in the forms ICE has typed, typos included (05/082025, 7/72025). note
// says how a text date with a typo was read.
func signedDate(v string, date1904 bool) (date, note string, err error) {
	v = strings.TrimSpace(v)
	if f, perr := strconv.ParseFloat(v, 64); perr == nil {
		return serialDate(f, date1904)
	}
	d, typo, ok := textDate(v)
	if !ok {
		return "", "", fmt.Errorf("signed date %q is not a date", short(v))
	}
	if d.Year() < firstYear || d.Year() > lastYear {
		return d.Format(time.DateOnly), fmt.Sprintf("signed date %q is outside %d–%d", short(v), firstYear, lastYear), nil
	}
	if typo {
		note = fmt.Sprintf("signed date %q read as %s", short(v), d.Format(time.DateOnly))
	}
	return d.Format(time.DateOnly), note, nil
}

// serialDate converts an Excel serial day number (the time of day is
// ignored) to a date.
func serialDate(f float64, date1904 bool) (string, string, error) {
	if f != f || f < 1 || f > 2958465 { // NaN, before 1900, after 9999-12-31
		return "", "", fmt.Errorf("signed date serial %s is out of range", strconv.FormatFloat(f, 'f', -1, 64))
	}
	days := int(f)
	var d time.Time
	switch {
	case date1904:
		d = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	case days == 60:
		return "", "", fmt.Errorf("signed date serial 60 is Excel's nonexistent 1900-02-29")
	case days < 60:
		d = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	default:
		// Excel counts 1900 as a leap year, so later serials are one
		// day ahead of a plain count from 1899-12-31.
		d = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	}
	s := d.Format(time.DateOnly)
	if d.Year() < firstYear || d.Year() > lastYear {
		return s, fmt.Sprintf("signed date %s is outside %d–%d", s, firstYear, lastYear), nil
	}
	return s, "", nil
}

var monthNames = map[string]time.Month{
	"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
	"JUL": 7, "AUG": 8, "SEP": 9, "SEPT": 9, "OCT": 10, "NOV": 11, "DEC": 12,
}

// textDate reads M/D/YYYY, M-D-YY, YYYY-MM-DD, "Month D, YYYY" and the
// slash-dropping typos ICE has made (05/082025 is 05/08/2025). typo is
// true when the text needed repair.
func textDate(s string) (time.Time, bool, bool) {
	var nums []string
	var month time.Month
	cur := strings.Builder{}
	word := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			nums = append(nums, cur.String())
			cur.Reset()
		}
		if word.Len() > 0 {
			w := strings.ToUpper(word.String())
			if len(w) >= 3 {
				if m, ok := monthNames[w[:3]]; ok {
					month = m
				}
			}
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if word.Len() > 0 {
				flush()
			}
			cur.WriteRune(r)
		case unicode.IsLetter(r):
			if cur.Len() > 0 {
				flush()
			}
			word.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	var y, m, d int
	typo := false
	switch {
	case month != 0 && len(nums) == 2: // May 8, 2025
		m, d, y = int(month), atoi(nums[0]), atoi(nums[1])
	case len(nums) == 3 && len(nums[0]) == 4: // 2025-05-08
		y, m, d = atoi(nums[0]), atoi(nums[1]), atoi(nums[2])
	case len(nums) == 3: // 5/8/2025, 5/8/25
		m, d, y = atoi(nums[0]), atoi(nums[1]), atoi(nums[2])
	case len(nums) == 2 && len(nums[1]) >= 5 && len(nums[1]) <= 6 && len(nums[0]) <= 2:
		// 05/082025, 7/72025: the second slash was dropped.
		m, d, y = atoi(nums[0]), atoi(nums[1][:len(nums[1])-4]), atoi(nums[1][len(nums[1])-4:])
		typo = true
	case len(nums) == 2 && len(nums[0]) >= 3 && len(nums[0]) <= 4 && len(nums[1]) == 4:
		// 0508/2025: the first slash was dropped.
		n := nums[0]
		m, d, y = atoi(n[:len(n)-2]), atoi(n[len(n)-2:]), atoi(nums[1])
		typo = true
	case len(nums) == 1 && len(nums[0]) == 8: // 05082025
		n := nums[0]
		m, d, y = atoi(n[:2]), atoi(n[2:4]), atoi(n[4:])
		typo = true
	default:
		return time.Time{}, false, false
	}
	if y < 100 {
		y += 2000
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || t.Day() != d || t.Month() != time.Month(m) {
		return time.Time{}, false, false
	}
	return t, typo, true
}

// looksLikeURL reports whether pasted cell text is an address rather than
// a label such as "link".
func looksLikeURL(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")
}

// hasPrefixFold is strings.HasPrefix(strings.ToLower(s), p) for a lower-case
// ASCII prefix p without the letters i and k, without ToLower's copy: only
// ASCII upper-case letters lower-case to the ASCII letters such a prefix
// holds (İ becomes i and the Kelvin sign k, hence the exception).
func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// linkURL is escape.LinkURL(s), without parsing the plain http(s)
// addresses that nearly every link is: for those it is s itself.
func linkURL(s string) string {
	if plainHTTP(s) {
		return s
	}
	return escape.LinkURL(s)
}

// plainHTTP reports whether s is http:// or https:// (any case), a host of
// letters, digits, dots and hyphens, and an optional path of those and
// _ ~ /: an address url.Parse reads without error, with a host, and
// escape.LinkURL keeps as it is.
func plainHTTP(s string) bool {
	var rest string
	switch {
	case hasPrefixFold(s, "https://"):
		rest = s[len("https://"):]
	case hasPrefixFold(s, "http://"):
		rest = s[len("http://"):]
	default:
		return false
	}
	i := 0
	for i < len(rest) && (isAlnum(rest[i]) || rest[i] == '.' || rest[i] == '-') {
		i++
	}
	if i == 0 || i < len(rest) && rest[i] != '/' {
		return false
	}
	for ; i < len(rest); i++ {
		c := rest[i]
		if !isAlnum(c) && c != '.' && c != '-' && c != '_' && c != '~' && c != '/' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// unwrapURL returns the address a published MOA link points at: SafeLinks
// (…safelinks.protection.outlook.com/?url=…) and Proofpoint URL Defense
// wrappers removed, blanks trimmed, a missing scheme added. Anything it
// cannot improve is returned trimmed.
func unwrapURL(raw string) string {
	s := strings.TrimSpace(strings.ReplaceAll(raw, "\u00a0", " "))
	for range 4 { // wrappers can nest; a few layers at most
		next, ok := unwrapOnce(s)
		if !ok {
			break
		}
		s = strings.TrimSpace(next)
	}
	switch {
	case hasPrefixFold(s, "www."):
		s = "https://" + s
	case hasPrefixFold(s, "https:/") && !hasPrefixFold(s, "https://"):
		s = "https://" + s[len("https:/"):]
	case hasPrefixFold(s, "http:/") && !hasPrefixFold(s, "http://"):
		s = "http://" + s[len("http:/"):]
	}
	return strings.ReplaceAll(s, " ", "%20")
}

// unwrapOnce removes one wrapper from s, and reports whether there was
// one. Almost every link is plain, so it first looks for a wrapper's
// telltale text and parses only the links that have it (parsing every
// URL was a twelfth of an import, issue 12).
func unwrapOnce(s string) (string, bool) {
	if !mayBeWrapped(s) {
		return s, false
	}
	return unwrapParsed(s)
}

// wrapperMarks are the texts, lower case, that every link unwrapParsed
// unwraps holds: a SafeLinks or URL Defense host, or a browser
// extension's scheme. A host written with %-escapes need not show them,
// so a link with a % in its host is always parsed.
var wrapperMarks = []string{"safelinks.protection.outlook.com", "urldefense.", "-extension://"}

// wrapperAnchors is, for each of wrapperMarks, the index of a byte of the
// mark that is not a letter: an occurrence of the mark has that byte
// there, so only the few dots and colons of a link are candidates.
var wrapperAnchors = []int{9, 10, 10}

// mayBeWrapped reports whether unwrapParsed could unwrap s; false only
// when it certainly cannot.
func mayBeWrapped(s string) bool {
	// url.Parse finds a host only right after the first "//" (a scheme
	// holds no '/'), up to the next '/', '?' or '#'; a % anywhere else
	// (a blank as %20 in the path) cannot hide a wrapper's host.
	if i := strings.Index(s, "//"); i >= 0 {
		host := s[i+2:]
		if j := strings.IndexAny(host, "/?#"); j >= 0 {
			host = host[:j]
		}
		if strings.IndexByte(host, '%') >= 0 {
			return true
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			// Lower-casing non-ASCII letters can yield ASCII ones
			// (the Kelvin sign is a k): compare as unwrapParsed does.
			l := strings.ToLower(s)
			for _, m := range wrapperMarks {
				if strings.Contains(l, m) {
					return true
				}
			}
			return false
		}
	}
	for i, m := range wrapperMarks {
		if containsFoldAt(s, m, wrapperAnchors[i]) {
			return true
		}
	}
	return false
}

// containsFoldAt is containsFoldASCII(s, m) for a mark whose byte k is not
// a letter: it tries only the places where that byte is.
func containsFoldAt(s, m string, k int) bool {
	c := m[k]
	for p := k; p < len(s); p++ {
		i := strings.IndexByte(s[p:], c)
		if i < 0 {
			return false
		}
		p += i
		if start := p - k; start+len(m) <= len(s) && containsFoldASCII(s[start:start+len(m)], m) {
			return true
		}
	}
	return false
}

// containsFoldASCII reports whether the ASCII string s holds the lower-case
// ASCII string m in any case, without the copy strings.ToLower makes (it
// runs for every link of every list).
func containsFoldASCII(s, m string) bool {
	for i := 0; i+len(m) <= len(s); i++ {
		j := 0
		for ; j < len(m); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != m[j] {
				break
			}
		}
		if j == len(m) {
			return true
		}
	}
	return false
}

// unwrapParsed is unwrapOnce for a link that may be wrapped.
func unwrapParsed(s string) (string, bool) {
	// A link copied from a PDF viewer extension:
	// chrome-extension://<id>/https:/www.ice.gov/….pdf
	if l := strings.ToLower(s); strings.HasPrefix(l, "chrome-extension://") || strings.HasPrefix(l, "moz-extension://") {
		rest := s[strings.Index(s, "://")+3:]
		if i := strings.IndexByte(rest, '/'); i >= 0 && strings.HasPrefix(strings.ToLower(rest[i+1:]), "http") {
			return rest[i+1:], true
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return s, false
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case strings.HasSuffix(host, "safelinks.protection.outlook.com"):
		if t := u.Query().Get("url"); t != "" {
			return t, true
		}
	case host == "urldefense.com" && strings.HasPrefix(u.Path, "/v3/__"):
		// https://urldefense.com/v3/__<url>__;!!<token>
		inner := s[strings.Index(s, "/v3/__")+len("/v3/__"):]
		if i := strings.Index(inner, "__;"); i >= 0 {
			return inner[:i], true
		}
	case host == "urldefense.proofpoint.com":
		// v2: u=https-3A__www.ice.gov_doclib_x.pdf
		if t := u.Query().Get("u"); t != "" {
			t = strings.ReplaceAll(t, "_", "/")
			t = strings.ReplaceAll(t, "-", "%")
			if dec, err := url.PathUnescape(t); err == nil {
				return dec, true
			}
		}
	}
	return s, false
}
