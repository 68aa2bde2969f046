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
			j := strings.IndexByte(sc.s[sc.i:], '<')
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
		j, quote := 1, byte(0)
		for ; j < len(rest); j++ {
			c := rest[j]
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				break
			}
		}
		if j >= len(rest) {
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
	i := 0
	for i < len(attrs) {
		for i < len(attrs) && isSpace(attrs[i]) {
			i++
		}
		start := i
		for i < len(attrs) && attrs[i] != '=' && !isSpace(attrs[i]) {
			i++
		}
		key := attrs[start:i]
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
			return "", false
		}
		q := attrs[i]
		if q != '"' && q != '\'' {
			return "", false
		}
		end := strings.IndexByte(attrs[i+1:], q)
		if end < 0 {
			return "", false
		}
		val := attrs[i+1 : i+1+end]
		i += end + 2
		if localName(key) == name {
			return decodeText(val), true
		}
	}
	return "", false
}

// decodeText resolves the predefined XML entities and numeric character
// references and turns CR LF and lone CR into LF, as an XML parser must. An
// unknown or malformed reference is kept literally. Text that needs no
// change is returned as is, without allocating.
func decodeText(s string) string {
	if strings.IndexByte(s, '&') < 0 && strings.IndexByte(s, '\r') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' {
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			continue
		}
		if c != '&' {
			b.WriteByte(c)
			continue
		}
		// A reference is at most 12 bytes long: look no further, or a
		// text of ampersands without semicolons costs quadratic time.
		end := strings.IndexByte(s[i:min(len(s), i+13)], ';')
		if end < 0 {
			b.WriteByte(c)
			continue
		}
		ref := s[i+1 : i+end]
		if r, ok := entity(ref); ok {
			b.WriteRune(r)
			i += end
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
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
