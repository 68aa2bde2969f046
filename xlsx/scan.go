package xlsx

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokKind is what a scanner token is.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText
)

// token is one piece of XML. Name is the local name (any namespace prefix
// removed) because the parts we read use one namespace each and writers
// differ in the prefix they pick. Attrs is the raw attribute text of a start
// tag; Text is raw character data (entities not yet decoded) or, for CDATA,
// the literal content with raw set.
type token struct {
	kind      tokKind
	name      string
	attrs     string
	text      string
	selfClose bool
	cdata     bool
}

// scanner is a minimal, allocation-free XML tokenizer over a string. It is
// not a validating parser: it accepts what Excel and its imitators write and
// never panics on anything else, which is what a reader of untrusted files
// needs. It scans a string so that values without entities can be returned
// as substrings of the part, without copying.
type scanner struct {
	s string
	i int
}

// next returns the next token. A malformed document ends in tokEOF with
// ok false.
func (sc *scanner) next() (token, bool) {
	for {
		if sc.i >= len(sc.s) {
			return token{kind: tokEOF}, true
		}
		if sc.s[sc.i] != '<' {
			j := indexByte(sc.s[sc.i:], '<')
			if j < 0 {
				j = len(sc.s) - sc.i
			}
			t := token{kind: tokText, text: sc.s[sc.i : sc.i+j]}
			sc.i += j
			return t, true
		}
		rest := sc.s[sc.i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			j := strings.Index(rest[4:], "-->")
			if j < 0 {
				return token{kind: tokEOF}, false
			}
			sc.i += 4 + j + 3
			continue
		case strings.HasPrefix(rest, "<![CDATA["):
			j := strings.Index(rest[9:], "]]>")
			if j < 0 {
				return token{kind: tokEOF}, false
			}
			t := token{kind: tokText, text: rest[9 : 9+j], cdata: true}
			sc.i += 9 + j + 3
			return t, true
		case strings.HasPrefix(rest, "<?"):
			j := strings.Index(rest[2:], "?>")
			if j < 0 {
				return token{kind: tokEOF}, false
			}
			sc.i += 2 + j + 2
			continue
		case strings.HasPrefix(rest, "<!"):
			// DOCTYPE and friends: skip to the closing bracket. Internal
			// subsets (entity declarations) are not supported on purpose.
			j := strings.IndexByte(rest, '>')
			if j < 0 {
				return token{kind: tokEOF}, false
			}
			sc.i += j + 1
			continue
		case strings.HasPrefix(rest, "</"):
			j := strings.IndexByte(rest, '>')
			if j < 0 {
				return token{kind: tokEOF}, false
			}
			name := strings.TrimSpace(rest[2:j])
			sc.i += j + 1
			return token{kind: tokEnd, name: localName(name)}, true
		}
		// Start tag: find its end, skipping '>' inside quoted values.
		j, ok := tagEnd(rest)
		if !ok {
			return token{kind: tokEOF}, false
		}
		body := rest[1:j]
		sc.i += j + 1
		t := token{kind: tokStart}
		if strings.HasSuffix(body, "/") {
			t.selfClose = true
			body = body[:len(body)-1]
		}
		k := 0
		for k < len(body) && !isSpace(body[k]) {
			k++
		}
		t.name = localName(body[:k])
		t.attrs = body[k:]
		return t, true
	}
}

// tagEnd returns the index of the '>' that ends the start tag rest begins
// with: the first one outside a quoted value. It searches with IndexByte
// (a relationship's tag is hundreds of bytes of URLs) and keeps where it
// found the next '>' and the next quote of each kind, so that every byte
// is searched at most once per kind, however many attributes a tag has.
func tagEnd(rest string) (int, bool) {
	// Most tags (<c r="B2" s="1" t="s">) are short: a plain loop over
	// their first bytes is quicker than a search per attribute.
	j := 1
	for n := min(len(rest), 64); j < n; j++ {
		switch rest[j] {
		case '>':
			return j, true
		case '"', '\'':
			e := indexByte(rest[j+1:], rest[j])
			if e < 0 {
				return 0, false
			}
			j += 1 + e
		}
	}
	gt, dq, sq := -1, -1, -1 // next positions at or after j; dq, sq == gt: none before gt
	for {
		if gt < j {
			k := strings.IndexByte(rest[j:], '>')
			if k < 0 {
				return 0, false
			}
			gt, dq, sq = j+k, -1, -1
		}
		if dq < j {
			dq = gt
			if k := strings.IndexByte(rest[j:gt], '"'); k >= 0 {
				dq = j + k
			}
		}
		if sq < j {
			sq = gt
			if k := strings.IndexByte(rest[j:gt], '\''); k >= 0 {
				sq = j + k
			}
		}
		q := min(dq, sq)
		if q >= gt {
			return gt, true
		}
		e := strings.IndexByte(rest[q+1:], rest[q])
		if e < 0 {
			return 0, false
		}
		j = q + 1 + e + 1
	}
}

// skip consumes tokens up to and including the end of the element whose
// start tag was just read.
func (sc *scanner) skip() bool {
	depth := 1
	for depth > 0 {
		t, ok := sc.next()
		if !ok {
			return false
		}
		switch t.kind {
		case tokEOF:
			return false
		case tokStart:
			if !t.selfClose {
				depth++
			}
		case tokEnd:
			depth--
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func localName(n string) string {
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// attr returns the decoded value of the attribute whose local name is name.
func attr(attrs, name string) (string, bool) {
	it := attrIter{s: attrs}
	for {
		key, val, ok := it.next()
		if !ok {
			return "", false
		}
		if localName(key) == name {
			return decodeText(val), true
		}
	}
}

// attrIter walks a start tag's attributes in order, so a reader that needs
// several of them makes one pass rather than one per name. It stops at the
// first malformed value (unquoted, unterminated): attr then finds no
// attribute from there on, and a caller that records the first match of
// each name sees what attr would return for each.
type attrIter struct {
	s string
	i int
}

// next returns the next attribute's raw key and undecoded value; ok is
// false at the end or at a malformed value.
func (it *attrIter) next() (key, val string, ok bool) {
	attrs, i := it.s, it.i
	for i < len(attrs) {
		for i < len(attrs) && isSpace(attrs[i]) {
			i++
		}
		start := i
		for i < len(attrs) && attrs[i] != '=' && !isSpace(attrs[i]) {
			i++
		}
		key = attrs[start:i]
		for i < len(attrs) && isSpace(attrs[i]) {
			i++
		}
		if i >= len(attrs) || attrs[i] != '=' {
			if i == start {
				i++ // stray character: move on rather than loop forever
			}
			continue
		}
		i++
		for i < len(attrs) && isSpace(attrs[i]) {
			i++
		}
		if i >= len(attrs) {
			break
		}
		q := attrs[i]
		if q != '"' && q != '\'' {
			break
		}
		end := indexByte(attrs[i+1:], q)
		if end < 0 {
			break
		}
		val = attrs[i+1 : i+1+end]
		it.i = i + end + 2
		return key, val, true
	}
	it.i = len(attrs)
	return "", "", false
}

// decodeText resolves the predefined XML entities and numeric character
// references and turns CR LF and lone CR into LF, as an XML parser must. An
// unknown or malformed reference is kept literally. Text that needs no
// change is returned as is, without allocating.
func decodeText(s string) string {
	if !needsDecoding(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	decodeInto(&b, s)
	return b.String()
}

// needsDecoding reports whether s holds an '&' or a CR. Most values are a
// few bytes ("A2", "13", "rId7"): a loop beats two calls to IndexByte.
func needsDecoding(s string) bool {
	if len(s) > 32 {
		return strings.IndexByte(s, '&') >= 0 || strings.IndexByte(s, '\r') >= 0
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '&' || s[i] == '\r' {
			return true
		}
	}
	return false
}

// indexByte is strings.IndexByte, with a plain loop over the first bytes:
// the texts and values it searches are mostly a few bytes long.
func indexByte(s string, c byte) int {
	n := min(len(s), 16)
	for i := 0; i < n; i++ {
		if s[i] == c {
			return i
		}
	}
	if k := strings.IndexByte(s[n:], c); k >= 0 {
		return n + k
	}
	return -1
}

// decodeInto writes decodeText(s) to b: runs without a reference or a CR
// are copied whole.
func decodeInto(b *strings.Builder, s string) {
	next := func(i int, c byte) int {
		if k := strings.IndexByte(s[i:], c); k >= 0 {
			return i + k
		}
		return len(s)
	}
	// The next '&' and CR at or after i (len(s): none), each searched for
	// again only once passed, so the pass stays linear.
	i, amp, cr := 0, -1, -1
	for {
		if amp < i {
			amp = next(i, '&')
		}
		if cr < i {
			cr = next(i, '\r')
		}
		k := min(amp, cr)
		b.WriteString(s[i:k])
		if k == len(s) {
			return
		}
		if s[k] == '\r' {
			b.WriteByte('\n')
			i = k + 1
			if i < len(s) && s[i] == '\n' {
				i++
			}
			continue
		}
		// A reference is at most 12 bytes long: look no further, or a
		// text of ampersands without semicolons costs quadratic time.
		if end := strings.IndexByte(s[k:min(len(s), k+13)], ';'); end >= 0 {
			if r, ok := entity(s[k+1 : k+end]); ok {
				b.WriteRune(r)
				i = k + end + 1
				continue
			}
		}
		b.WriteByte('&')
		i = k + 1
	}
}

func entity(ref string) (rune, bool) {
	switch ref {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ref[1] == 'x' || ref[1] == 'X' {
		n, err = strconv.ParseUint(ref[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(ref[1:], 10, 32)
	}
	if err != nil || n > utf8.MaxRune || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// unescapeOOXML decodes the _xHHHH_ escapes OOXML uses for characters XML
// cannot carry (ST_Xstring), the way Excel and excelize read them.
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && i+6 < len(s) && s[i+1] == 'x' && s[i+6] == '_' && isHex4(s[i+2:i+6]) {
			n, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			if utf8.ValidRune(rune(n)) {
				b.WriteRune(rune(n))
			}
			i += 6
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
