package sheet

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/watch287g/watch287g/xlsx"
)

// MaxWarnings is how many warnings a File lists. ICE's files have had at
// most five; a file with a warning on every row of a hundred thousand would
// otherwise cost tens of megabytes to hold and to store. One more warning
// says how many were left out.
const MaxWarnings = 1000

// ctxRows is how many rows readRecords reads between checks of its context.
const ctxRows = 1024

// readRecords turns the rows below the header into records. It returns
// only ctx's error.
func readRecords(ctx context.Context, sh *xlsx.Sheet, hdrIdx int, cols []column, date1904 bool, m *memos) (*File, error) {
	f := &File{List: Pending, Records: []Record{}, Warnings: []Warning{}}
	names := map[field]string{}
	for _, c := range cols {
		f.Header = append(f.Header, c.name)
		if c.field != fieldExtra {
			names[c.field] = c.name
		}
		if c.field == fieldSigned {
			f.List = Participating
		}
	}
	// Column number → 1 + index in cols (0: no header), a slice indexed
	// once per cell rather than a map; the last header cell of a column
	// wins, as it did in a map.
	maxCol := 0
	for _, c := range cols {
		maxCol = max(maxCol, c.col)
	}
	byCol := make([]int, maxCol+1)
	for i, c := range cols {
		byCol[c.col] = i + 1
	}
	// The states, models, types, signing dates and links of a list repeat
	// from row to row and from list to list: m reads each distinct cell
	// text once.
	dates := &m.dates[0]
	if date1904 {
		dates = &m.dates[1]
	}
	errCells := map[string]int{} // extra column → cells holding an Excel error
	f.Records = make([]Record, 0, len(sh.Rows)-hdrIdx)
	dropped := 0
	warnAt := func(row int, column, format string, args ...any) {
		if len(f.Warnings) >= MaxWarnings {
			dropped++
			return
		}
		f.Warnings = append(f.Warnings, Warning{Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
	}
	warn := func(row int, fl field, format string, args ...any) {
		warnAt(row, names[fl], format, args...)
	}
	for n, row := range sh.Rows[hdrIdx+1:] {
		if n%ctxRows == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var (
			rec      Record
			agency   bool
			other    []string
			signed   *xlsx.Cell
			moa      *xlsx.Cell
			hasState bool
			hasModel bool
		)
		rec.Row = row.Num
		for ci := range row.Cells {
			c := &row.Cells[ci]
			if c.Col >= len(byCol) || byCol[c.Col] == 0 {
				// A value under no header: keep it rather than lose it.
				if v := cleanText(c.Value); v != "" {
					other = append(other, xlsx.ColumnName(c.Col))
					setExtra(&rec, xlsx.ColumnName(c.Col), v)
				}
				continue
			}
			col := &cols[byCol[c.Col]-1]
			switch col.field {
			case fieldState:
				rec.StateName = stripControl(c.Value)
				hasState = strings.TrimSpace(c.Value) != ""
			case fieldAgency:
				rec.AgencyRaw = c.Value
				rec.Agency = normalizeAgency(c.Value)
				agency = rec.Agency != ""
			case fieldType:
				rec.Type = m.types.read(c.Value)
			case fieldModel:
				rec.ModelRaw = c.Value
				hasModel = strings.TrimSpace(c.Value) != ""
			case fieldSigned:
				signed = c
			case fieldMOA:
				moa = c
			case fieldExtra:
				v := cleanText(c.Value)
				if c.Type == xlsx.TypeError {
					if v != "" {
						errCells[col.name]++
					}
					v = ""
				}
				if v != "" {
					setExtra(&rec, col.name, v)
				}
				if c.Link != "" {
					// As for the MOA: only an http(s) address is kept
					// as a link; the warning quotes anything else.
					if u := m.links.read(c.Link); u != "" {
						setExtra(&rec, col.name+" URL", u)
					} else {
						warnAt(row.Num, col.name, "link %q is not a web address; not linked", short(c.Link))
					}
				}
			}
		}
		if !agency {
			if hasState || hasModel || signed != nil && strings.TrimSpace(signed.Value) != "" || len(other) > 0 || len(rec.Extra) > 0 {
				warn(row.Num, fieldAgency, "row has data but no agency; not read as a record")
			}
			continue
		}
		// State.
		if !hasState {
			warn(row.Num, fieldState, "state is blank")
		} else if code, fuzzy, ok := m.states.read(rec.StateName); !ok {
			warn(row.Num, fieldState, "unknown state %q", short(rec.StateName))
		} else {
			rec.State = code
			if fuzzy {
				warn(row.Num, fieldState, "state %q read as %s (closest name)", short(rec.StateName), code)
			}
		}
		// Model.
		if !hasModel {
			warn(row.Num, fieldModel, "support type is blank")
		} else {
			model, fuzzy, ok := m.models.read(rec.ModelRaw)
			rec.Model = model
			switch {
			case !ok:
				warn(row.Num, fieldModel, "unknown support type %q", short(rec.ModelRaw))
			case fuzzy:
				warn(row.Num, fieldModel, "support type %q read as %s (closest label)", short(rec.ModelRaw), model)
			}
		}
		// Signed.
		if f.List == Participating {
			if signed == nil || strings.TrimSpace(signed.Value) == "" {
				warn(row.Num, fieldSigned, "signed date is blank")
			} else {
				rec.SignedRaw = signed.Value
				d, note, err := dates.read(signed.Value, date1904)
				if err != nil {
					warn(row.Num, fieldSigned, "%v", err)
				} else {
					rec.Signed = d
					if note != "" {
						warn(row.Num, fieldSigned, "%s", note)
					}
				}
			}
		}
		// MOA.
		if moa != nil {
			rec.MOAText = cleanText(moa.Value)
			raw := strings.TrimSpace(moa.Link)
			if raw == "" && looksLikeURL(rec.MOAText) {
				raw = rec.MOAText
			}
			if raw != "" {
				// Only an absolute http(s) address becomes moa_url: it is
				// linked and sent on. Anything else (javascript:, data:, a
				// relative path), wrapped or not, stays in MOARaw as
				// published.
				rec.MOARaw = raw
				rec.MOAURL = m.links.read(raw)
				if rec.MOAURL == "" {
					warn(row.Num, fieldMOA, "MOA link %q is not a web address; not linked", short(raw))
				}
			}
		}
		f.Records = append(f.Records, rec)
	}
	if dropped > 0 {
		f.Warnings = append(f.Warnings, Warning{Message: fmt.Sprintf("%d more warnings not listed (at most %d are)", dropped, MaxWarnings)})
	}
	for _, c := range cols {
		if n := errCells[c.name]; n > 0 {
			f.Warnings = append(f.Warnings, Warning{Column: c.name, Message: fmt.Sprintf("%d cell(s) hold an Excel error (such as #N/A); read as blank", n)})
			errCells[c.name] = 0
		}
	}
	return f, nil
}

// memos hold what readRecords has read from distinct cell texts, kept
// from one list to the next: ICE's lists repeat their states, models,
// types, signing dates and MOA links from row to row and from day to day,
// so reading each text once saves a tenth of a parse (issue 12). Every
// entry is a pure function of its key, so a memo changes no result. Keys
// and values are copies: a cell's text points into memory of its list (its
// shared strings, its sheet's values), which a memo must not keep alive. Each memo is bounded in entries and
// key length (a hostile list of 500,000 distinct labels empties it when
// full rather than growing it).
type memos struct {
	states stateMemo
	models modelMemo
	types  typeMemo
	dates  [2]dateMemo // by date system: 1900, 1904
	links  linkMemo
}

// kept holds the memos between parses: the import parses its lists one
// after another on one goroutine, and so finds the same memos each time.
// A parse takes them (a concurrent one starts its own) and puts them back
// when done. (A sync.Pool lost them at most collections: one list's garbage
// is several collections' worth in a small heap.)
var kept atomic.Pointer[memos]

// takeMemos returns the kept memos, or new ones when another parse has
// them.
func takeMemos() *memos {
	if m := kept.Swap(nil); m != nil {
		return m
	}
	return new(memos)
}

// keepMemos puts m back for the next parse.
func keepMemos(m *memos) { kept.Store(m) }

// maxMemo bounds each memo's entries; maxMemoKey the length of a key it
// keeps (labels and dates are a few dozen bytes); maxLinkKey a link's.
const (
	maxMemo    = 4096
	maxMemoKey = 128
	maxLinkKey = 2048
)

// memoPut stores v under a copy of k in *m, emptying a full memo first; a
// long key is not stored.
func memoPut[M ~map[string]V, V any](m *M, k string, v V, maxKey int) {
	if len(k) > maxKey {
		return
	}
	if *m == nil {
		*m = make(M, 64)
	} else if len(*m) >= maxMemo {
		clear(*m)
	}
	(*m)[strings.Clone(k)] = v
}

// stateRead is stateCode's result for one state name.
type stateRead struct {
	code      string
	fuzzy, ok bool
}

type stateMemo map[string]stateRead

func (m *stateMemo) read(name string) (string, bool, bool) {
	r, seen := (*m)[name]
	if !seen {
		r.code, r.fuzzy, r.ok = stateCode(name)
		r.code = strings.Clone(r.code)
		memoPut(m, name, r, maxMemoKey)
	}
	return r.code, r.fuzzy, r.ok
}

// modelRead is modelOf's result for one support type label.
type modelRead struct {
	model     string
	fuzzy, ok bool
}

type modelMemo map[string]modelRead

func (m *modelMemo) read(raw string) (string, bool, bool) {
	r, seen := (*m)[raw]
	if !seen {
		r.model, r.fuzzy, r.ok = modelOf(raw)
		r.model = strings.Clone(r.model)
		memoPut(m, raw, r, maxMemoKey)
	}
	return r.model, r.fuzzy, r.ok
}

// typeMemo holds cleanText of agency type labels.
type typeMemo map[string]string

func (m *typeMemo) read(v string) string {
	t, seen := (*m)[v]
	if !seen {
		t = strings.Clone(cleanText(v))
		memoPut(m, v, t, maxMemoKey)
	}
	return t
}

// dateRead is signedDate's result for one cell text.
type dateRead struct {
	date, note string
	err        error
}

type dateMemo map[string]dateRead

// read is signedDate(v, date1904), for the date system the memo is kept
// for.
func (m *dateMemo) read(v string, date1904 bool) (string, string, error) {
	r, seen := (*m)[v]
	if !seen {
		r.date, r.note, r.err = signedDate(v, date1904)
		memoPut(m, v, r, maxMemoKey)
	}
	return r.date, r.note, r.err
}

// linkMemo holds linkURL(unwrapURL(raw)) of links: a SafeLinks address
// costs a URL parse and a query parse to unwrap, and even a plain one's
// look for wrapper marks costs more than a look-up (lists repeat their
// links from day to day). Links are long,
// so it is bounded in bytes too.
type linkMemo struct {
	m     map[string]string
	bytes int
}

// maxLinkBytes bounds the keys and values a linkMemo holds.
const maxLinkBytes = 4 << 20

func (m *linkMemo) read(raw string) string {
	u, seen := m.m[raw]
	if !seen {
		u = strings.Clone(linkURL(unwrapURL(raw)))
		if len(raw) <= maxLinkKey {
			if m.bytes += len(raw) + len(u); m.bytes > maxLinkBytes {
				clear(m.m)
				m.bytes = len(raw) + len(u)
			}
			memoPut(&m.m, raw, u, maxLinkKey)
		}
	}
	return u
}

func setExtra(rec *Record, key, v string) {
	if rec.Extra == nil {
		rec.Extra = make(map[string]string, 2)
	}
	rec.Extra[key] = v
}

// maxQuoted is how much of a value a warning quotes.
const maxQuoted = 100

// short cuts a value quoted in a warning to maxQuoted bytes (on a rune
// boundary, with an ellipsis): a warning names the value, it does not copy
// a hostile megabyte into every message.
func short(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	i := maxQuoted
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
