package moa

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"fmt"
	"io"
	"regexp"
	"strconv"
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
		g.stop = err
		return 0, err
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
// 4 times the file), so 32 times the file and 4 MiB of slack, within
// Limits.MaxReadBytes.
func (g *guard) readBudget() int64 {
	return min(g.lim.MaxReadBytes, 32*int64(len(g.b))+4<<20)
}

// charge measures s once and adds its decoded size to the document's
// total every time the parser starts reading it.
func (g *guard) charge(s *stream) error {
	if s.decoded < 0 && s.err == nil {
		s.decoded, s.err = measure(g.b[s.start:], g.b[s.start:s.end], g.lim)
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
func measure(rest, raw []byte, lim Limits) (int64, error) {
	size := int64(len(raw))
	if err := checkSyntax(raw, lim); err != nil {
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
		return checkSyntax(buf.Bytes(), lim)
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

var (
	// Numbers the parser sizes allocations or loops by.
	reSize    = regexp.MustCompile(`/(Size|N|Count|Columns|First)\s*(-?\d+)`)
	reArray   = regexp.MustCompile(`/(W|Index)\s*\[([^\]]{0,200})\]`)
	reXrefSub = regexp.MustCompile(`(?m)^[ \t]*(\d+)[ \t]+(\d+)[ \t]*\r?$`)
	// A count the parser would read through a reference, unchecked.
	// (an object stream's /N, a predictor's /Columns; the cross-reference
	// stream's numbers the parser takes only when direct, and it checks
	// the page count against the tree as it walks it).
	reIndirect = regexp.MustCompile(`/(N|Columns)\s+\d+\s+\d+\s+R\b`)
	// Counts a CMap's operators loop by ("100 beginbfchar"), directly or
	// through a name defined with def.
	reCMapCount = regexp.MustCompile(`(\d+)\s+(begin(?:bfchar|bfrange|codespacerange|cidchar|cidrange|notdefrange)|def)\b`)
)

// maxCMapCount caps the entries of one CMap block; the PDF specification
// allows 100, and real fonts keep to it.
const maxCMapCount = 10_000

// checkSyntax refuses bytes (the file, or one decoded stream) whose
// nesting is deeper than the limit or whose counts and sizes would make
// the parser allocate or loop without bound.
func checkSyntax(b []byte, lim Limits) error {
	depth, deepest := 0, 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '[':
			depth++
		case c == '<' && i+1 < len(b) && b[i+1] == '<':
			depth++
			i++
		case c == ']', c == '>' && i+1 < len(b) && b[i+1] == '>':
			if c == '>' {
				i++
			}
			if depth > 0 {
				depth--
			}
		case c == 'e' && bytes.HasPrefix(b[i:], []byte("endobj")):
			depth = 0 // nesting never crosses objects
		}
		if depth > deepest {
			deepest = depth
			if deepest > lim.MaxDepth {
				return fmt.Errorf("%w: objects nest deeper than %d levels", ErrTooComplex, lim.MaxDepth)
			}
		}
	}
	for _, m := range reSize.FindAllSubmatch(b, -1) {
		n, err := strconv.ParseInt(string(m[2]), 10, 64)
		if err != nil {
			return fmt.Errorf("%w: /%s %s is out of range", ErrTooLarge, m[1], m[2])
		}
		limit := int64(lim.MaxObjects)
		switch string(m[1]) {
		case "Count":
			limit = int64(lim.MaxPages)
		case "Columns":
			limit = 1 << 16
		case "First":
			limit = lim.MaxStreamBytes
		}
		if n > limit {
			return fmt.Errorf("%w: /%s %d is over the limit of %d", ErrTooLarge, m[1], n, limit)
		}
	}
	for _, m := range reArray.FindAllSubmatch(b, -1) {
		if string(m[1]) == "W" && bytes.IndexByte(m[2], '[') >= 0 {
			continue // a CID font's glyph widths, not a cross-reference stream's
		}
		for f := range bytes.FieldsSeq(m[2]) {
			n, err := strconv.ParseInt(string(f), 10, 64)
			if err != nil {
				continue // a reference or a name; the parser rejects it
			}
			limit := int64(lim.MaxObjects)
			if string(m[1]) == "W" {
				limit = 8
			}
			if n < 0 || n > limit {
				return fmt.Errorf("%w: /%s entry %d is over the limit of %d", ErrTooLarge, m[1], n, limit)
			}
		}
	}
	for _, loc := range reIndirect.FindAllSubmatchIndex(b, -1) {
		key := string(b[loc[2]:loc[3]])
		// /N is also an appearance dictionary's normal appearance, a
		// reference by right; only an object stream's count matters.
		if key == "N" && !bytes.Contains(b[max(0, loc[0]-300):min(len(b), loc[1]+300)], []byte("/ObjStm")) {
			continue
		}
		return fmt.Errorf("%w: /%s given by reference (the parser would loop or allocate by it unchecked)", ErrTooComplex, key)
	}
	for _, m := range reCMapCount.FindAllSubmatch(b, -1) {
		n, err := strconv.ParseInt(string(m[1]), 10, 64)
		if err != nil || n > maxCMapCount {
			return fmt.Errorf("%w: %s %s is over the limit of %d", ErrTooLarge, m[1], m[2], maxCMapCount)
		}
	}
	for _, m := range reXrefSub.FindAllSubmatch(b, -1) {
		start, err1 := strconv.ParseInt(string(m[1]), 10, 64)
		n, err2 := strconv.ParseInt(string(m[2]), 10, 64)
		if err1 != nil || err2 != nil || start+n > int64(lim.MaxObjects) {
			return fmt.Errorf("%w: a cross-reference section of %s objects from %s is over the limit of %d", ErrTooLarge, m[2], m[1], lim.MaxObjects)
		}
	}
	return nil
}

var (
	kwStream    = []byte("stream")
	kwEndstream = []byte("endstream")
	kwObj       = []byte(" obj")
)

// prescan checks the whole file and indexes every place a stream body can
// start, so the guard can charge it when the parser reads it.
func prescan(b []byte, lim Limits) (map[int64]*stream, error) {
	if n := bytes.Count(b, kwObj); n > lim.MaxObjects {
		return nil, fmt.Errorf("%w: %d objects, over the limit of %d", ErrTooLarge, n, lim.MaxObjects)
	}
	if err := checkSyntax(b, lim); err != nil {
		return nil, err
	}
	streams := map[int64]*stream{}
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
		end := int64(len(b))
		if k := bytes.Index(b[i:], kwEndstream); k >= 0 {
			end = int64(i + k)
		}
		// The parser starts the body after "stream" and CR LF, LF or a
		// lone CR; index each start it could choose.
		for _, start := range []int{i + 1, i + 2} {
			if start <= len(b) && int64(start) <= end {
				if _, ok := streams[int64(start)]; !ok {
					streams[int64(start)] = &stream{start: int64(start), end: end, decoded: -1}
				}
			}
		}
		if len(streams) > 2*lim.MaxObjects {
			return nil, fmt.Errorf("%w: more than %d streams", ErrTooLarge, lim.MaxObjects)
		}
	}
	return streams, nil
}
