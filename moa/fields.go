package moa

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/watch287g/watch287g/sheet"
)

// Fields is what the text says, each with the page it came from (1-based;
// 0 with a blank value). A value is blank when the text does not say it
// clearly: OCR'd text has errors, and a wrong value is worse than none.
type Fields struct {
	// LEA is the law enforcement agency section I names, as written.
	LEA     string `json:"lea"`
	LEAPage int    `json:"lea_page"`
	// LEASource is "text" (the sentence naming the parties), "form" (the
	// filled-in field of the 2025 Task Force template) or "inserted" (that
	// field flattened: the name found drawn into the template's sentence).
	LEASource string `json:"lea_source,omitempty"`
	// Model is normalized like a Record's: jail_enforcement,
	// warrant_service_officer or task_force.
	Model     string `json:"model"`
	ModelPage int    `json:"model_page"`
	// Revision is the template's revision date (YYYY-MM-DD) from its
	// footer ("Revised 02/12/2025", "Rev 2/14/25"); the 2019–2020
	// templates carry none.
	Revision     string `json:"revision"`
	RevisionPage int    `json:"revision_page"`
	// Era is the template's era: "2025" (a 2025 revision footer) or
	// "2019-2020" (the older templates: section "I. PARTIES" and no
	// revision footer).
	Era string `json:"era"`
	// SignatureDates are the dates written in the signature block ("For
	// the LEA" / "For ICE"), as YYYY-MM-DD, in the order they appear.
	SignatureDates []PageDate `json:"signature_dates"`
}

// PageDate is a date and the page it is on.
type PageDate struct {
	Date string `json:"date"`
	Page int    `json:"page"`
}

var (
	// The sentence of section I that names the parties: "… between U.S.
	// Immigration and Customs Enforcement (ICE), a component of the
	// Department of Homeland Security (DHS), and [the] <LEA>, hereinafter
	// …". OCR garbles the acronyms ("(OHS)", "(DHSj", "~CB)"), so they are
	// matched loosely; the words around the name are matched exactly.
	reParties = regexp.MustCompile(`(?i)agreement\s+between\s+(?:U\.?\s?S\.?|United\s+States)\s+Immigration\s+and\s*Customs\W*Enforcement.{0,60}?Homeland\s+Security\W{0,3}\w{0,4}\W{0,3}\s*and\s+(?:the\s+)?`)
	// What ends the name.
	reNameEnd = regexp.MustCompile(`(?i)^(.{3,160}?)(?:\s*,?\s*hereinafter|\s*,?\s*pursuant\s+to|\s*[({]|\s*,|\s*"|$)`)
	// "Tarrant County, by and through the Tarrant County Sheriff's Office
	// that is hereinafter known as …": the office is the LEA.
	reThrough = regexp.MustCompile(`(?i)^.{3,80}?,?\s+by\s+and\s+through\s+(?:the\s+)?(.{3,120}?)(?:\s+that\s+is)?\s*,?\s*(?:hereinafter|pursuant)`)

	// The model in the title: "287(g) Jail Enforcement Model", "Warrant
	// Service Officer Program", "287(g) Task Force Model".
	reTitle = regexp.MustCompile(`(?i)(Jail\s+Enforcement|Warrant\s+Service\s+Officer|Task\s+Force)\s+(?:Model|Program)`)
	// Each template's purpose, for the 2019 WSO template whose title
	// names no model.
	purposes = []struct {
		re    *regexp.Regexp
		model string
	}{
		{regexp.MustCompile(`(?i)custodial\s+transfer\s+of\s+specific\s+aliens`), sheet.WarrantServiceOfficer},
		{regexp.MustCompile(`(?i)arrested\s+and\s+booked\s+into`), sheet.JailEnforcement},
		{regexp.MustCompile(`(?i)direction\s+and\s+supervision\s+of\s+ICE\s+within\s+the\s+LEA`), sheet.TaskForce},
	}

	reRevision = regexp.MustCompile(`(?i)\bRev(?:ised|\.)?\s*:?\s*(\d{1,2})/(\d{1,2})/(\d{2,4})\b`)
	reParties1 = regexp.MustCompile(`\bI\.\s*PARTIES\b`)

	reSignBlock = regexp.MustCompile(`(?i)\bFor\s+(?:the\s+)?(?:LEA|ICE)\b`)
	// The sentence before the MOA's signatures ("By signing this MOA, each
	// party represents…"); an addendum's says "this addendum".
	reSigning = regexp.MustCompile(`(?i)\bBy\s+signing\s+this\s+MOA\b`)
	// A digital signature's stamp: "Date: 2020.06.08 10:55:08".
	reStampDate = regexp.MustCompile(`\b(20\d\d)\.(\d\d)\.(\d\d)\b`)
	reNumDate   = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b`)
	reWordDate  = regexp.MustCompile(`(?i)\b(January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2}),?\s+(\d{4})\b`)
)

// readFields reads Fields from the pages' text and the form's fields.
func readFields(pages []string, form []formField, warnings []string) (Fields, []string) {
	var f Fields
	f.LEA, f.LEAPage, warnings = leaFrom(pages, warnings)
	if f.LEA != "" {
		f.LEASource = "text"
	} else {
		f.LEA, f.LEAPage = leaFromForm(form)
		if f.LEA != "" {
			f.LEASource = "form"
		} else if len(pages) > 0 {
			if f.LEA = insertedName(pages[0]); f.LEA != "" {
				f.LEAPage, f.LEASource = 1, "inserted"
			}
		}
	}
	if f.LEA == "" {
		warnings = append(warnings, "the LEA is not named clearly in section I: left blank")
	}
	f.Model, f.ModelPage, warnings = modelFrom(pages, warnings)
	f.Revision, f.RevisionPage = revisionFrom(pages)
	switch {
	case f.Revision >= "2025":
		f.Era = "2025"
	case f.Revision == "" && len(pages) > 0 && reParties1.MatchString(pages[0]):
		f.Era = "2019-2020"
	}
	f.SignatureDates = signatureDates(pages, form)
	return f, warnings
}

// leaFrom finds the LEA in the sentence naming the parties, on the first
// two pages.
func leaFrom(pages []string, warnings []string) (string, int, []string) {
	for i, p := range pages[:min(2, len(pages))] {
		loc := reParties.FindStringIndex(p)
		if loc == nil {
			continue
		}
		rest := p[loc[1]:]
		var name string
		if m := reThrough.FindStringSubmatch(rest); m != nil {
			name = m[1]
		} else if m := reNameEnd.FindStringSubmatch(rest); m != nil {
			name = m[1]
		}
		name = tidyName(name)
		if name == "" {
			return "", 0, warnings
		}
		if ocrSuspect(name) {
			warnings = append(warnings, fmt.Sprintf("the LEA's name %q may hold OCR errors", name))
		}
		return name, i + 1, warnings
	}
	return "", 0, warnings
}

// leaFromForm returns the LEA from a form whose sentence naming the
// parties is a blank to fill in: the field named "name of LEA" (the 2025
// Task Force template's), else the first field on page 1 whose value looks
// like an agency's name (a renamed field, "Text0").
func leaFromForm(form []formField) (string, int) {
	for _, ff := range form {
		if strings.EqualFold(ff.Name, "name of LEA") {
			return tidyName(ff.Value), ff.Page
		}
	}
	for _, ff := range form {
		if ff.Page == 1 && !strings.HasPrefix(strings.ToLower(ff.Name), "date") {
			if name := tidyName(ff.Value); name != "" {
				return name, ff.Page
			}
			return "", 0
		}
	}
	return "", 0
}

// template2025 is the 2025 Task Force template's sentence naming the
// parties, with the LEA's name a blank to fill in.
var template2025 = strings.Fields(normWords("constitutes an agreement between United States Immigration and Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), and the____________________, pursuant to which ICE delegates to nominated, trained, and certified officers or employees of the"))

// reBlank is the sentence's blank, as a text layer shows it when the form
// was flattened (the name drawn elsewhere in the page's text).
var reBlank = regexp.MustCompile(`(?i)Security\W{0,3}\w{0,4}\W{0,3}\s*and\s+the\s*(?:_{3,}|,\s*pursuant)`)

// normWords lower-cases s and keeps letters, digits and spaces.
func normWords(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return unicode.ToLower(r)
		case unicode.IsSpace(r) || r == ',':
			return ' '
		}
		return -1
	}, s)
}

// insertedName returns the LEA's name from a flattened 2025 form: the text
// layer holds the template's sentence with the blank, and the filled-in
// name drawn into it somewhere ("Department of Homeland Daytona Beach
// Shores Dept. of Public SafetySecurity (DHS)", "delegates to
// nominated,Tavares Police Department, FL trained"). Aligning the words
// with the template finds the words that are not the template's; the
// first run of them that looks like a name is the LEA. Anything that does
// not align closely gives "".
func insertedName(page string) string {
	if !reBlank.MatchString(page) {
		return ""
	}
	at := strings.Index(strings.ToLower(page), "constitutes an agreement between")
	if at < 0 {
		return ""
	}
	obs := strings.Fields(strings.ReplaceAll(page[at:], ",", ", "))
	var run []string
	flush := func() string {
		name := tidyName(halve(strings.Join(run, " ")))
		run = run[:0]
		return name
	}
	for i, j := 0, 0; i < len(template2025) && j < len(obs); j++ {
		o := strings.TrimSpace(normWords(obs[j]))
		t := template2025[i]
		switch {
		case o == "":
			continue // punctuation, a blank line
		case o == t || strings.ReplaceAll(o, " ", "") == t:
			i++
		case strings.HasSuffix(o, t):
			// A name glued to the template's next word ("SafetySecurity").
			k := strings.LastIndex(strings.ToLower(obs[j]), t)
			if k > 0 {
				run = append(run, obs[j][:k])
			}
			i++
		default:
			run = append(run, obs[j])
			if len(run) > 16 {
				return "" // not aligned: unsure
			}
			continue
		}
		if len(run) > 0 {
			if name := flush(); name != "" {
				return name
			}
		}
	}
	return ""
}

// halve returns the first half of s when s is one name written twice
// ("Eustis Police Department Eustis Police Department").
func halve(s string) string {
	w := strings.Fields(s)
	if n := len(w); n >= 2 && n%2 == 0 && strings.Join(w[:n/2], " ") == strings.Join(w[n/2:], " ") {
		return strings.Join(w[:n/2], " ")
	}
	return s
}

// tidyName trims a captured name and returns "" when it does not look like
// an agency's name: a blank form line, a clause ("a constitutional officer
// of …"), too short or too long.
func tidyName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, " ' s ", "'s ") // "Sheriff ' s Office", as some text layers space it
	s = strings.Trim(s, " ,;:.\"'")
	s = strings.TrimSuffix(s, " the")
	s = strings.TrimSpace(strings.Trim(s, " ,;:\"'"))
	if s == "" || strings.Contains(s, "__") {
		return ""
	}
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 14 || len(s) > 120 {
		return ""
	}
	if r := []rune(s)[0]; !unicode.IsUpper(r) {
		return ""
	}
	return s
}

// ocrSuspect reports whether a name holds a digit inside a word or stray
// symbols, as OCR leaves them ("Shenff1s").
func ocrSuspect(s string) bool {
	for _, w := range strings.Fields(s) {
		letters, digits := 0, 0
		for _, r := range w {
			switch {
			case unicode.IsLetter(r):
				letters++
			case unicode.IsDigit(r):
				digits++
			case strings.ContainsRune("'.&-,()", r):
			default:
				return true
			}
		}
		if letters > 0 && digits > 0 {
			return true
		}
	}
	return false
}

// modelFrom reads the model from page 1's title, else from the purpose
// the first two pages state. When the two disagree the model is blank.
func modelFrom(pages []string, warnings []string) (string, int, []string) {
	if len(pages) == 0 {
		return "", 0, warnings
	}
	title, titlePage := "", 0
	if m := reTitle.FindStringSubmatch(headOf(pages[0], 600)); m != nil {
		title, titlePage = modelOfLabel(m[1]), 1
	}
	purpose, purposePage := "", 0
	for i, p := range pages[:min(2, len(pages))] {
		for _, pp := range purposes {
			if pp.re.MatchString(p) {
				if purpose != "" && purpose != pp.model {
					return title, titlePage, warnings // the purposes disagree: the title decides
				}
				purpose, purposePage = pp.model, i+1
			}
		}
		if purpose != "" {
			break
		}
	}
	switch {
	case title != "" && purpose != "" && title != purpose:
		warnings = append(warnings, fmt.Sprintf("the title names %s but the purpose is %s's: model left blank", sheet.ModelLabel(title), sheet.ModelLabel(purpose)))
		return "", 0, warnings
	case title != "":
		return title, titlePage, warnings
	case purpose != "":
		return purpose, purposePage, warnings
	}
	warnings = append(warnings, "the model is not stated clearly: left blank")
	return "", 0, warnings
}

// modelOfLabel maps a title's words to the model constant.
func modelOfLabel(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	switch s {
	case "jail enforcement":
		return sheet.JailEnforcement
	case "warrant service officer":
		return sheet.WarrantServiceOfficer
	case "task force":
		return sheet.TaskForce
	}
	return ""
}

// headOf is the first n bytes of s.
func headOf(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// revisionFrom returns the revision date the footers state most often, and
// the first page stating it.
func revisionFrom(pages []string) (string, int) {
	count := map[string]int{}
	first := map[string]int{}
	for i, p := range pages {
		for _, m := range reRevision.FindAllStringSubmatch(p, -1) {
			d := ymd(m[3], m[1], m[2])
			if d == "" {
				continue
			}
			count[d]++
			if first[d] == 0 {
				first[d] = i + 1
			}
		}
	}
	best := ""
	for d, n := range count {
		if best == "" || n > count[best] || n == count[best] && d < best {
			best = d
		}
	}
	return best, first[best]
}

// signatureDates returns the dates written in the signature block (typed,
// or a digital signature's stamp; the revision footer left out) and the
// filled-in date fields of the form. Handwritten dates OCR did not read
// are not there to find.
func signatureDates(pages []string, form []formField) []PageDate {
	out := []PageDate{}
	seen := map[PageDate]bool{}
	add := func(d string, page int) {
		pd := PageDate{d, page}
		if d != "" && !seen[pd] {
			seen[pd] = true
			out = append(out, pd)
		}
	}
	// The block: from the signing sentence of the first page that has it,
	// else from the first "For the LEA" / "For ICE" of the last page that
	// has one.
	blockPage, blockAt := -1, 0
	for i, p := range pages {
		if loc := reSigning.FindStringIndex(p); loc != nil {
			blockPage, blockAt = i, loc[0]
			break
		}
	}
	if blockPage < 0 {
		for i := len(pages) - 1; i >= 0; i-- {
			if loc := reSignBlock.FindStringIndex(pages[i]); loc != nil {
				blockPage, blockAt = i, loc[0]
				break
			}
		}
	}
	for i := blockPage; i >= 0; i = -1 {
		block := reRevision.ReplaceAllString(pages[i][blockAt:], " ")
		type hit struct {
			at   int
			date string
		}
		var hits []hit
		for _, m := range reNumDate.FindAllStringSubmatchIndex(block, -1) {
			hits = append(hits, hit{m[0], ymd(block[m[6]:m[7]], block[m[2]:m[3]], block[m[4]:m[5]])})
		}
		for _, m := range reWordDate.FindAllStringSubmatchIndex(block, -1) {
			t, err := time.Parse("January 2 2006", block[m[2]:m[3]]+" "+block[m[4]:m[5]]+" "+block[m[6]:m[7]])
			if err == nil {
				hits = append(hits, hit{m[0], plausible(t)})
			}
		}
		for _, m := range reStampDate.FindAllStringSubmatchIndex(block, -1) {
			hits = append(hits, hit{m[0], ymd(block[m[2]:m[3]], block[m[4]:m[5]], block[m[6]:m[7]])})
		}
		sort.Slice(hits, func(a, b int) bool { return hits[a].at < hits[b].at })
		for _, h := range hits {
			add(h.date, i+1)
		}
	}
	for _, ff := range form {
		if !strings.HasPrefix(strings.ToLower(ff.Name), "date") {
			continue
		}
		if m := reNumDate.FindStringSubmatch(ff.Value); m != nil {
			add(ymd(m[3], m[1], m[2]), ff.Page)
		} else if m := reWordDate.FindStringSubmatch(ff.Value); m != nil {
			if t, err := time.Parse("January 2 2006", m[1]+" "+m[2]+" "+m[3]); err == nil {
				add(plausible(t), ff.Page)
			}
		}
	}
	return out
}

// ymd turns year, month and day as written (two- or four-digit year) into
// YYYY-MM-DD, or "" when it is no plausible date of an agreement.
func ymd(y, m, d string) string {
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	di, err3 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || err3 != nil || len(y) == 3 {
		return ""
	}
	if len(y) == 2 {
		yi += 2000
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Year() != yi || int(t.Month()) != mi || t.Day() != di {
		return ""
	}
	return plausible(t)
}

// plausible formats t, or returns "" outside the years a 287(g) MOA of
// the modern program can be dated.
func plausible(t time.Time) string {
	if t.Year() < 2002 || t.Year() > 2040 {
		return ""
	}
	return t.Format("2006-01-02")
}
