package moa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/ledongthuc/pdf"
)

// formField is a filled-in text field of an unflattened form: the 2025
// Task Force template names the LEA in one ("name of LEA"), whose value
// is in the field, not in the page's text.
type formField struct {
	Name, Value string
	Page        int
}

// maxAnnots caps the annotations read per page (a real MOA has a handful).
const maxAnnots = 200

// extract returns each page's text (whitespace collapsed) and the form
// fields, reading b through the guard. A panic inside the parser is
// recovered and returned as ErrMalformed; a refusal by the guard is
// returned as its own typed error.
func extract(ctx context.Context, b []byte, lim Limits, c *Cost) (pages []string, form []formField, err error) {
	streams, err := prescan(b, lim)
	if err != nil {
		return nil, nil, err
	}
	g := &guard{ctx: ctx, b: b, lim: lim, streams: streams}
	defer func() {
		c.ReadBytes, c.DecodedBytes = g.read, g.decoded
		r := recover()
		if g.stop != nil {
			pages, form, err = nil, nil, g.stop
			return
		}
		if r != nil {
			pages, form, err = nil, nil, fmt.Errorf("%w: the PDF parser panicked (recovered): %v", ErrMalformed, r)
		}
	}()
	rd, err := pdf.NewReader(g, int64(len(b)))
	if g.stop != nil {
		return nil, nil, g.stop
	}
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) || strings.Contains(err.Error(), "encrypt") {
			return nil, nil, fmt.Errorf("%w: %v", ErrEncrypted, err)
		}
		// The parser's messages say "malformed PDF" themselves.
		return nil, nil, fmt.Errorf("%w: %s", ErrMalformed, strings.TrimPrefix(err.Error(), "malformed PDF: "))
	}
	n := rd.NumPage()
	switch {
	case n > lim.MaxPages:
		return nil, nil, fmt.Errorf("%w: %d pages, over the limit of %d", ErrTooLarge, n, lim.MaxPages)
	case n <= 0:
		return nil, nil, fmt.Errorf("%w: no pages", ErrMalformed)
	}
	for i := 1; i <= n; i++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("reading stopped at page %d of %d: %w", i, n, err)
		}
		p := rd.Page(i)
		if g.stop != nil {
			return nil, nil, g.stop
		}
		if p.V.IsNull() {
			return nil, nil, fmt.Errorf("%w: page %d of %d is missing", ErrMalformed, i, n)
		}
		text, err := p.GetPlainText(nil)
		if g.stop != nil {
			return nil, nil, g.stop
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: page %d: %v", ErrMalformed, i, err)
		}
		pages = append(pages, clean(text))
		annots := p.V.Key("Annots")
		for j := 0; j < annots.Len() && j < maxAnnots; j++ {
			a := annots.Index(j)
			if a.Key("Subtype").Name() != "Widget" {
				continue
			}
			// A field's widgets may carry its name and value on their
			// parent field.
			field := a
			if field.Key("T").Kind() == pdf.Null {
				field = a.Key("Parent")
			}
			name, value := clean(field.Key("T").Text()), clean(field.Key("V").Text())
			if name != "" && value != "" {
				form = append(form, formField{Name: name, Value: value, Page: i})
			}
		}
		if g.stop != nil {
			return nil, nil, g.stop
		}
	}
	return pages, form, nil
}

// clean collapses whitespace, straightens quotes and drops control and
// replacement characters (undecodable glyphs), so patterns see one form.
func clean(s string) string {
	var b strings.Builder
	space := true
	for _, r := range s {
		switch r {
		case '\u2018', '\u2019', '\u02bc':
			r = '\''
		case '\u201c', '\u201d':
			r = '"'
		case '\u00a0':
			r = ' '
		}
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		if r == unicode.ReplacementChar || unicode.IsControl(r) || !unicode.IsPrint(r) {
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSpace(b.String())
}
