package moa

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"fmt"
	"io"
)

// The third-party parser (github.com/ledongthuc/pdf) trusts the file: it
// allocates slices sized by numbers it reads (/Size, /W, /Index, /Columns,
// xref subsections), loops /N and /Count times, follows /Parent and /Prev
// without remembering where it has been, recurses once per nesting level,
// and inflates streams without a limit. Rather than fork it, watch287g
// checks the bytes before the parser sees them (prescan) and feeds it
// through a reader that charges every read (guard): every loop in the
// parser reads, so the read budget ends cycles; every stream it inflates
// starts with a read at the stream's first byte, so the guard measures
// that stream (inflating it once, capped) and charges its decoded size
// before the parser gets a byte of it.

// stream is one candidate stream body found by the prescan.
type stream struct {
	start   int64 // first byte after "stream" and its end of line
	end     int64 // where "endstream" begins, or the end of the file
	decoded int64 // decoded size, -1 until measured
	objStm  bool  // its dictionary says /Type /ObjStm
	err     error // why measuring it failed the document
}

// guard is the io.ReaderAt the parser reads the document through.
type guard struct {
	ctx     context.Context
	b       []byte
	lim     Limits
	streams map[int64]*stream
	read    int64
	decoded int64
	// stop is the first reason the guard refused a read; the parser turns
	// refused reads into its own panics and errors, so the caller checks
	// stop first to report the real, typed cause.
	stop error
}

// ReadAt serves the document's bytes while the budgets last.
func (g *guard) ReadAt(p []byte, off int64) (int, error) {
	if g.stop != nil {
		return 0, g.stop
	}
	if err := g.ctx.Err(); err != nil {
		g.stop = fmt.Errorf("reading stopped after %d bytes: %w", g.read, err)
		return 0, g.stop
	}
	if off < 0 || off > int64(len(g.b)) {
		return 0, io.EOF
	}
	g.read += int64(len(p))
	if g.read > g.readBudget() {
		g.stop = fmt.Errorf("%w: the parser read more than %d bytes of a %d-byte file (a reference cycle or an object referenced over and over)", ErrTooComplex, g.readBudget(), len(g.b))
		return 0, g.stop
	}
	if s, ok := g.streams[off]; ok {
		if err := g.charge(s); err != nil {
			g.stop = err
			return 0, err
		}
	}
	n := copy(p, g.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readBudget is what the parser may read: the parser rereads an object
// each time it follows a reference to it (the shared sample needs at most
// 4 times the file), so 32 times the file and 1 MiB of slack, within
// Limits.MaxReadBytes.
func (g *guard) readBudget() int64 {
	return min(g.lim.MaxReadBytes, 32*int64(len(g.b))+1<<20)
}

// charge measures s once and adds its decoded size to the document's
// total every time the parser starts reading it.
func (g *guard) charge(s *stream) error {
	if s.decoded < 0 && s.err == nil {
		s.decoded, s.err = measure(g.b[s.start:], g.b[s.start:s.end], s.objStm, g.lim)
	}
	if s.err != nil {
		return s.err
	}
	g.decoded += s.decoded
	if g.decoded > g.lim.MaxDecodedBytes {
		return fmt.Errorf("%w: streams decode to more than %d bytes in total", ErrTooLarge, g.lim.MaxDecodedBytes)
	}
	return nil
}

// measure returns the largest size the stream starting at rest can decode
// to under the filters the parser knows (none, Flate, ASCII85, ASCII85 then
// Flate), checking the decoded bytes for hostile nesting and numbers as it
// goes. Which filter the stream's dictionary names does not matter: the
// largest is what the parser could be made to produce.
//
// An object stream may not hold a stream (PDF 32000-1 7.5.7); the parser
// would read one at an offset into the decoded object stream as if it
// were one into the file, inflating bytes the guard never indexed, so an
// object stream holding the keyword is refused.
func measure(rest, raw []byte, objStm bool, lim Limits) (int64, error) {
	size := int64(len(raw))
	if err := checkSyntax(raw, lim, false); err != nil {
		return 0, err
	}
	try := func(r io.Reader) error {
		zr, err := zlib.NewReader(r)
		if err != nil {
			return nil // not Flate: nothing to measure
		}
		var buf bytes.Buffer
		n, _ := io.Copy(&buf, io.LimitReader(zr, lim.MaxStreamBytes+1))
		if n > lim.MaxStreamBytes {
			return fmt.Errorf("%w: a stream decompresses to more than %d bytes", ErrTooLarge, lim.MaxStreamBytes)
		}
		if n > size {
			size = n
		}
		if objStm && hasKeyword(buf.Bytes(), kwStream) {
			return fmt.Errorf("%w: a stream inside an object stream", ErrMalformed)
		}
		return checkSyntax(buf.Bytes(), lim, true)
	}
	if err := try(bytes.NewReader(rest)); err != nil {
		return 0, err
	}
	// ASCII85 text shrinks when decoded, so only its Flate payload can grow.
	if bytes.IndexByte(raw, '~') >= 0 {
		if err := try(ascii85.NewDecoder(bytes.NewReader(raw))); err != nil {
			return 0, err
		}
	}
	return size, nil
}

// maxCMapCount caps the entries of one CMap block; the PDF specification
// allows 100, and real fonts keep to it.
const maxCMapCount = 10_000

// checkSyntax refuses bytes (the file, or one decoded stream) whose
// nesting is deeper than the limit (when nesting is set) or whose counts and sizes would make
// the parser allocate or loop without bound: /Size, /N, /Count, /Columns,
// /First, /W and /Index values, cross-reference subsections, the counts
// before a CMap's operators ("100 beginbfchar", "/n 100 def"), and an
// object stream's /N or a predictor's /Columns given by reference. It is
// one linear pass (regular expressions were 70% of reading a document).
func checkSyntax(b []byte, lim Limits, nesting bool) error {
	depth, deepest := 0, 0
	last := int64(-1) // the integer just before the current token, else -1
	for i := 0; i < len(b); {
		c := b[i]
		num := int64(-1)
		switch {
		case c == '[':
			depth++
			i++
		case c == '<' && i+1 < len(b) && b[i+1] == '<':
			depth++
			i += 2
		case c == ']' || c == '>' && i+1 < len(b) && b[i+1] == '>':
			if depth > 0 {
				depth--
			}
			i += 1 + boolInt(c == '>')
		case c == '/':
			j := tokenEnd(b, i+1)
			if err := checkKey(b, string(b[i+1:j]), j, lim); err != nil {
				return err
			}
			i = j
		case c >= '0' && c <= '9' && (i == 0 || !regular(b[i-1])):
			j := tokenEnd(b, i)
			num = parseCount(b[i:j])
			i = j
		case regular(c):
			j := tokenEnd(b, i)
			switch kw := string(b[i:j]); kw {
			case "endobj":
				depth = 0 // nesting never crosses objects
			case "def", "beginbfchar", "beginbfrange", "begincodespacerange", "begincidchar", "begincidrange", "beginnotdefrange":
				if last > maxCMapCount {
					return fmt.Errorf("%w: %d %s is over the limit of %d", ErrTooLarge, last, kw, maxCMapCount)
				}
			case "xref":
				var err error
				if j, err = checkXref(b, j, lim); err != nil {
					return err
				}
			}
			i = j
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0:
			i++
			continue // whitespace keeps the last integer
		default:
			i++
		}
		last = num
		if nesting && depth > deepest {
			deepest = depth
			if deepest > lim.MaxDepth {
				return fmt.Errorf("%w: objects nest deeper than %d levels", ErrTooComplex, lim.MaxDepth)
			}
		}
	}
	return nil
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// regular reports whether c belongs to a name, number or keyword token.
func regular(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', 0, '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}

// tokenEnd returns where the token starting at i ends.
func tokenEnd(b []byte, i int) int {
	for i < len(b) && regular(b[i]) {
		i++
	}
	return i
}

// parseCount reads an unsigned integer token, saturating far above any
// limit; -1 when tok is not one (a real, a signed number).
func parseCount(tok []byte) int64 {
	if len(tok) == 0 {
		return -1
	}
	var n int64
	for _, c := range tok {
		if c < '0' || c > '9' {
			return -1
		}
		if n < 1<<50 {
			n = n*10 + int64(c-'0')
		}
	}
	return n
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n' || b[i] == '\f' || b[i] == 0) {
		i++
	}
	return i
}

// checkKey checks the value after the name key, which ends at i.
func checkKey(b []byte, key string, i int, lim Limits) error {
	var limit int64
	switch key {
	case "Size", "N", "First":
		limit = int64(lim.MaxObjects)
		if key == "First" {
			limit = lim.MaxStreamBytes
		}
	case "Count":
		limit = int64(lim.MaxPages)
	case "Columns":
		limit = 1 << 16
	case "W", "Index":
		return checkArray(b, key, skipSpace(b, i), lim)
	default:
		return nil
	}
	i = skipSpace(b, i)
	if i < len(b) && b[i] == '-' {
		return nil // the parser finds nothing to allocate or loop by
	}
	j := tokenEnd(b, i)
	n := parseCount(b[i:j])
	if n < 0 {
		return nil
	}
	// "/N 12 0 R": a reference the parser follows without checking the
	// value. An appearance dictionary's /N is a reference by right; only an
	// object stream's count matters.
	k := skipSpace(b, j)
	if k2 := tokenEnd(b, k); parseCount(b[k:k2]) >= 0 {
		if k3 := skipSpace(b, k2); k3 < len(b) && b[k3] == 'R' && (k3+1 == len(b) || !regular(b[k3+1])) {
			window := b[max(0, i-300):min(len(b), k3+300)]
			if key == "Columns" || key == "N" && bytes.Contains(window, []byte("/ObjStm")) {
				return fmt.Errorf("%w: /%s given by reference (the parser would loop or allocate by it unchecked)", ErrTooComplex, key)
			}
			return nil
		}
	}
	if n > limit {
		return fmt.Errorf("%w: /%s %d is over the limit of %d", ErrTooLarge, key, n, limit)
	}
	return nil
}

// checkArray checks the integers of a /W or /Index array at i.
func checkArray(b []byte, key string, i int, lim Limits) error {
	if i >= len(b) || b[i] != '[' {
		return nil
	}
	end := bytes.IndexByte(b[i+1:min(len(b), i+201)], ']')
	if end < 0 {
		return nil
	}
	body := b[i+1 : i+1+end]
	if key == "W" && bytes.IndexByte(body, '[') >= 0 {
		return nil // a CID font's glyph widths, not a cross-reference stream's
	}
	limit := int64(lim.MaxObjects)
	if key == "W" {
		limit = 8
	}
	for f := range bytes.FieldsSeq(body) {
		if n := parseCount(f); n > limit {
			return fmt.Errorf("%w: /%s entry %d is over the limit of %d", ErrTooLarge, key, n, limit)
		}
	}
	return nil
}

// checkXref checks the subsection headers ("start count") of the
// cross-reference table after the keyword at i, and returns where the
// table ends.
func checkXref(b []byte, i int, lim Limits) (int, error) {
	for {
		i = skipSpace(b, i)
		j := tokenEnd(b, i)
		start := parseCount(b[i:j])
		if start < 0 {
			return i, nil // "trailer", or not a table
		}
		k := skipSpace(b, j)
		k2 := tokenEnd(b, k)
		n := parseCount(b[k:k2])
		if n < 0 {
			return i, nil
		}
		if start+n > int64(lim.MaxObjects) {
			return 0, fmt.Errorf("%w: a cross-reference section of %d objects from %d is over the limit of %d", ErrTooLarge, n, start, lim.MaxObjects)
		}
		// Skip the entries ("0000000015 00000 n"), three tokens each.
		i = k2
		for e := int64(0); e < n && i < len(b); e++ {
			for range 3 {
				i = tokenEnd(b, skipSpace(b, i))
			}
		}
	}
}

var (
	kwStream    = []byte("stream")
	kwEndstream = []byte("endstream")
	kwObj       = []byte(" obj")
)

// hasKeyword reports whether kw occurs in b as a token of its own.
func hasKeyword(b, kw []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], kw)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(kw)
		if (at == 0 || !regular(b[at-1])) && (end == len(b) || !regular(b[end])) {
			return true
		}
		i = at + 1
	}
}

// prescan checks the whole file and indexes every place a stream body can
// start, so the guard can charge it when the parser reads it.
func prescan(b []byte, lim Limits) (map[int64]*stream, error) {
	if n := bytes.Count(b, kwObj); n > lim.MaxObjects {
		return nil, fmt.Errorf("%w: %d objects, over the limit of %d", ErrTooLarge, n, lim.MaxObjects)
	}
	streams := map[int64]*stream{}
	type span struct{ start, end int }
	var spans []span
	nextEnd := -1 // where the next "endstream" at or after i begins, len(b) for none
	for i := 0; ; {
		j := bytes.Index(b[i:], kwStream)
		if j < 0 {
			break
		}
		at := i + j
		i = at + len(kwStream)
		if at >= 3 && bytes.Equal(b[at-3:at], []byte("end")) {
			continue
		}
		if nextEnd < i {
			nextEnd = len(b)
			if k := bytes.Index(b[i:], kwEndstream); k >= 0 {
				nextEnd = i + k
			}
		}
		end := int64(nextEnd)
		spans = append(spans, span{i, nextEnd})
		// The parser starts the body after "stream" and CR LF, LF or a
		// lone CR; index each start it could choose.
		objStm := bytes.Contains(b[max(0, at-400):at], []byte("/ObjStm"))
		for _, start := range []int{i + 1, i + 2} {
			if start <= len(b) && int64(start) <= end {
				if _, ok := streams[int64(start)]; !ok {
					streams[int64(start)] = &stream{start: int64(start), end: end, decoded: -1, objStm: objStm}
				}
			}
		}
		if len(streams) > 2*lim.MaxObjects {
			return nil, fmt.Errorf("%w: more than %d streams", ErrTooLarge, lim.MaxObjects)
		}
	}
	// Outside stream bodies, everything is checked; inside them (image
	// data, compressed bytes) only the counts: random bytes drift the
	// bracket count, and the parser limits the nesting of the objects it
	// parses itself. What a body decodes to is checked in full when the
	// parser reads it (measure).
	pos := 0
	for _, sp := range spans {
		if sp.start < pos {
			continue // a "stream" inside a body already checked
		}
		if err := checkSyntax(b[pos:sp.start], lim, true); err != nil {
			return nil, err
		}
		if err := checkSyntax(b[sp.start:sp.end], lim, false); err != nil {
			return nil, err
		}
		pos = sp.end
	}
	if err := checkSyntax(b[pos:], lim, true); err != nil {
		return nil, err
	}
	return streams, nil
}
