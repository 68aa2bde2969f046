package xlsx

import (
	"reflect"
	"strings"
	"testing"
)

// The reader's quick paths (tagEnd's searches, decodeInto's runs, one
// attribute pass per tag, <c><v>…</v></c> and <si><t>…</t></si> in one
// step) must read exactly what the plain token-by-token code read. These
// are that plain code, kept as the reference.

func refTagEnd(rest string) (int, bool) {
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
	return j, j < len(rest)
}

func refDecodeText(s string) string {
	var b strings.Builder
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
		end := strings.IndexByte(s[i:min(len(s), i+13)], ';')
		if end < 0 {
			b.WriteByte(c)
			continue
		}
		if r, ok := entity(s[i+1 : i+end]); ok {
			b.WriteRune(r)
			i += end
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func refAttr(attrs, name string) (string, bool) {
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
				i++
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
			return refDecodeText(val), true
		}
	}
	return "", false
}

func FuzzQuickPaths(f *testing.F) {
	for _, s := range []string{
		`<c r="B2" s="1" t="s">`, `<c r='B2' t="s" r="C2">`, `<c r=B2 t="s">`, `<a x="'>" y='">'>`,
		`<Relationship Id="rId1" Type="http://x/hyperlink" Target="https://a.b/c?d=1&amp;e=2" TargetMode="External"/>`,
		`<hyperlink ref="G2" r:id="rId1" location="A1" ref="G3"/>`, "<a x=\"" + strings.Repeat("y", 100) + "\">",
		"a&amp;b&lt;&#65;&#x42;&bogus;&\r\n\r&;&#xFFFFFFFF;", "<c t=\"s\" r=\"A1\" x:t=\"n\">", `<c r="A1"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.HasPrefix(s, "<") {
			s = "<" + s
		}
		gotJ, gotOK := tagEnd(s)
		wantJ, wantOK := refTagEnd(s)
		if gotOK != wantOK || gotOK && gotJ != wantJ {
			t.Errorf("tagEnd(%q): got %d %v, want %d %v", s, gotJ, gotOK, wantJ, wantOK)
		}
		if got, want := decodeText(s), refDecodeText(s); got != want {
			t.Errorf("decodeText(%q): got %q, want %q", s, got, want)
		}
		attrs := s[1:]
		for _, name := range []string{"r", "t", "Id", "Type", "Target", "TargetMode", "ref", "id", "location"} {
			v, ok := attr(attrs, name)
			wv, wok := refAttr(attrs, name)
			if v != wv || ok != wok {
				t.Errorf("attr(%q, %s): got %q %v, want %q %v", attrs, name, v, ok, wv, wok)
			}
		}
		r, hasR, typ := cellAttrs(attrs)
		wr, whasR := refAttr(attrs, "r")
		wt, _ := refAttr(attrs, "t")
		if r != wr || hasR != whasR || typ != wt {
			t.Errorf("cellAttrs(%q): got %q %v %q, want %q %v %q", attrs, r, hasR, typ, wr, whasR, wt)
		}
		ref, id, loc := linkAttrs(attrs)
		wref, _ := refAttr(attrs, "ref")
		wid, _ := refAttr(attrs, "id")
		wloc, _ := refAttr(attrs, "location")
		if ref != wref || id != wid || loc != wloc {
			t.Errorf("linkAttrs(%q): got %q %q %q, want %q %q %q", attrs, ref, id, loc, wref, wid, wloc)
		}
		rl := relOf(attrs)
		var want rel
		want.id, _ = refAttr(attrs, "Id")
		want.typ, _ = refAttr(attrs, "Type")
		want.target, _ = refAttr(attrs, "Target")
		want.mode, _ = refAttr(attrs, "TargetMode")
		if rl != want {
			t.Errorf("relOf(%q): got %+v, want %+v", attrs, rl, want)
		}
	})
}

// FuzzSheetQuickPaths reads a worksheet and a shared string table with and
// without the one-step paths and wants the same sheet, error for error.
func FuzzSheetQuickPaths(f *testing.F) {
	f.Add(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>4&amp;5</v></c><c r="C1" t="inlineStr"><is><t>x</t></is></c><c r="D1" t="s"><v> 1 </v></c></row>`+
		`<row r="2"><c r="A2"><v></v></c><c r="B2"><v><![CDATA[7]]></v></c><c r="C2"><f>1+1</f><v>2</v></c><c r="D2" t="e"><v>#N/A</v></c><c r="E2"><v>9</v></c ></row></sheetData>`+
		`<hyperlinks><hyperlink ref="A2" location="B1"/></hyperlinks></worksheet>`,
		`<sst><si><t>A</t></si><si><t xml:space="preserve"> b&apos;c </t></si><si><r><t>r</t></r><r><t>s</t></r><rPh><t>p</t></rPh></si><si><t>_x0041_</t></si><si/><si><rPh><t>q</t></si><si><t>after</t></si></sst>`)
	f.Add(`<sheetData><row r="1"><c r="A1" t="s"><v>1</v></c></row><row><c><v>3</v></c><row r="9"/></c><c r="A4"><v>5</v></c></sheetData>`,
		`<sst><si><t>a<si><t>b</t></si>c</t></si></sst>`)
	// Cell start tags quickCell reads, and ones it leaves to the tokens.
	f.Add(`<sheetData><row r="1"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="1" t="s"/><c r="C1" t="n" t="s"><v>2</v></c><c r="D1" t=""><v>3</v></c>`+
		`<c  r="E1"><v>4</v></c><c r="F1" x:t="s"><v>0</v></c><c r="G1"t="s"><v>0</v></c><c r="H1" />`+`<c r="I1" t='s'><v>0</v></c><c r="J1" t="s" ><v>0</v></c>`+
		`<c r="$K$1"><v>5</v></c><c r="L2"><v>6</v></c><c r="ZZZZ1"><v>7</v></c><c r="A0"><v>8</v></c></row></sheetData>`, `<sst><si><t>A</t></si></sst>`)
	f.Fuzz(func(t *testing.T, sheetXML, sstXML string) {
		b := bookOf(t, sheetXML, sstXML)
		read := func(slow bool) (*Sheet, []string, error) {
			tokensOnly = slow
			defer func() { tokensOnly = false }()
			wb, err := Open(b, Limits{})
			if err != nil {
				return nil, nil, err
			}
			sh, err := wb.Sheet(0)
			return sh, wb.strings, err
		}
		quick, qs, qerr := read(false)
		slow, ss, serr := read(true)
		if (qerr == nil) != (serr == nil) || qerr != nil && qerr.Error() != serr.Error() {
			t.Fatalf("got error %v, want %v", qerr, serr)
		}
		if !reflect.DeepEqual(qs, ss) {
			t.Errorf("shared strings: got %q, want %q", qs, ss)
		}
		if !reflect.DeepEqual(quick, slow) {
			t.Errorf("sheet: got %+v, want %+v", quick, slow)
		}
	})
}

func bookOf(t *testing.T, sheetXML, sstXML string) []byte {
	t.Helper()
	return zipOf(t, map[string]string{
		"xl/workbook.xml":            `<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   sheetXML,
		"xl/sharedStrings.xml":       sstXML,
	})
}
