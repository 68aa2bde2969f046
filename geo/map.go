package geo

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/watch287g/watch287g/internal/escape"
)

// Options are a map's words, colours and links.
type Options struct {
	// ID prefixes the ids of the map's elements; unique on a page.
	// Default "map".
	ID string
	// Title names the map for screen readers and in a tooltip.
	// Default "287(g) agreements by state" (or "by county").
	Title string
	// Singular and Plural name what is counted: "agreement",
	// "agreements" by default.
	Singular, Plural string
	// Breaks are the lower bounds of the coloured buckets, ascending, the
	// first at least 1 (zero has its own colour); at most len(Palette).
	// Nil chooses them from the counts with DefaultBreaks.
	Breaks []int
	// Href, when set, links each state (its USPS code) or county (its
	// FIPS code) to a page; "" for none. Only relative paths and http(s)
	// URLs are linked.
	Href func(key string) string
}

// Palette holds the colours of the buckets from the fewest to the most, a
// sequential blue that reads in grey scale and for common colour
// blindness; ZeroColor is the colour of no agreement. The buckets are
// also named in the legend and every shape's tooltip, so colour is never
// the only cue.
var Palette = []string{"#c6dbef", "#6baed6", "#3182bd", "#08519c", "#08306b"}

// ZeroColor is the fill of a state or county with a count of zero.
const ZeroColor = "#ececec"

// Text is sized in view units: the view is 975 wide, so on a 390 px
// phone, where a page's margins leave the map about 350 px, 32 units are
// 11.5 px.
const (
	fontSize  = 32
	swatch    = 32
	rowHeight = 48
	bandPad   = 14
)

func (o Options) withDefaults(title string) Options {
	if o.ID == "" {
		o.ID = "map"
	}
	o.ID = idSafe(o.ID)
	if o.Title == "" {
		o.Title = title
	}
	if o.Singular == "" {
		o.Singular = "agreement"
	}
	if o.Plural == "" {
		o.Plural = "agreements"
	}
	return o
}

func (o Options) count(n int) string {
	if n == 1 {
		return "1 " + o.Singular
	}
	return strconv.Itoa(n) + " " + o.Plural
}

// DefaultBreaks chooses up to len(Palette) buckets for counts: 1, then
// the quintiles of the positive counts, so each colour holds about as
// many shapes; where a quintile repeats the previous break (most counties
// have one agreement), the next larger count, so the colours still tell
// 1, 2 and 3 apart. Nil when no count is positive.
func DefaultBreaks(counts map[string]int) []int {
	var vals []int
	for _, n := range counts {
		if n > 0 {
			vals = append(vals, n)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	sort.Ints(vals)
	breaks := []int{1}
	classes := len(Palette)
	for i := 1; i < classes; i++ {
		last := breaks[len(breaks)-1]
		v := vals[i*len(vals)/classes]
		if v <= last {
			// The next larger count, if any.
			j := sort.SearchInts(vals, last+1)
			if j == len(vals) {
				break
			}
			v = vals[j]
		}
		breaks = append(breaks, v)
	}
	return breaks
}

// Bucket is the bucket of n among breaks: -1 for n below the first break
// (zero), else the index of the last break at most n.
func Bucket(n int, breaks []int) int {
	b := -1
	for i, lo := range breaks {
		if n >= lo {
			b = i
		}
	}
	return b
}

// Color is the fill of a count among breaks: ZeroColor below the first
// break, else a colour of Palette, spread over it when there are fewer
// buckets than colours.
func Color(n int, breaks []int) string {
	b := Bucket(n, breaks)
	if b < 0 {
		return ZeroColor
	}
	return Palette[paletteIndex(b, len(breaks))]
}

func paletteIndex(b, buckets int) int {
	if buckets <= 1 {
		return len(Palette) / 2
	}
	return b * (len(Palette) - 1) / (buckets - 1)
}

// cleanBreaks keeps breaks ascending, at least 1 and at most
// len(Palette) of them.
func cleanBreaks(breaks []int) []int {
	var out []int
	for _, b := range breaks {
		if b >= 1 && (len(out) == 0 || b > out[len(out)-1]) {
			out = append(out, b)
		}
	}
	if len(out) > len(Palette) {
		out = out[:len(Palette)]
	}
	return out
}

// bucketLabel names bucket i: "5–9", "7", "25+".
func bucketLabel(i int, breaks []int) string {
	lo := breaks[i]
	if i == len(breaks)-1 {
		return strconv.Itoa(lo) + "+"
	}
	hi := breaks[i+1] - 1
	if hi == lo {
		return strconv.Itoa(lo)
	}
	return strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
}

// territoryLabel is a territory's name short enough for its box.
var territoryLabel = map[string]string{
	"PR": "Puerto Rico", "VI": "Virgin Islands", "GU": "Guam", "MP": "N. Mariana Islands", "AS": "American Samoa",
}

// StateMap draws counts (by USPS code) as a choropleth of the 50 states
// and DC: one path per state with its code and count as data attributes
// and a tooltip ("Texas: 312 agreements"), a legend of the buckets, and
// each territory in counts (Albers USA has no shape for them) as a
// labelled box coloured the same way. It returns "" when the atlas cannot
// be read.
func StateMap(counts map[string]int, opts Options) template.HTML {
	a, err := loadAtlas()
	if err != nil {
		return ""
	}
	o := opts.withDefaults("287(g) agreements by state")
	breaks := cleanBreaks(o.Breaks)
	if o.Breaks == nil {
		breaks = DefaultBreaks(counts)
	}
	codes := make([]string, 0, len(a.states))
	for code := range a.states {
		codes = append(codes, code)
	}
	sort.Strings(codes)

	var terr []bandItem
	for _, t := range territories {
		if n, ok := counts[t]; ok {
			terr = append(terr, bandItem{
				key: t, label: territoryLabel[t] + ": " + strconv.Itoa(n), fill: Color(n, breaks),
				title: stateName(t) + ": " + o.count(n), count: n,
			})
		}
	}
	legend := legendItems(o, breaks)
	legendRows := flowLegend(legend)
	terrRows := flow(terr)
	height := ViewHeight + bandPad + rowHeight*(len(legendRows)+len(terrRows))

	var b strings.Builder
	b.Grow(200 << 10)
	desc := describe(counts, o, func(code string) string { return stateName(code) })
	open(&b, o, ViewWidth, height, desc)
	b.WriteString(`<g class="map-shapes" stroke="#ffffff" stroke-width="0.75" stroke-linejoin="round">`)
	fit := func(p Point) (float64, float64) { return p.X, p.Y }
	for _, code := range codes {
		n := counts[code]
		shapeOpen(&b, o, code, Color(n, breaks), fmt.Sprintf(`data-state="%s" data-count="%d"`, code, n))
		pathData(&b, a.states[code].Polygons, fit)
		shapeClose(&b, o, code, stateName(code)+": "+o.count(n))
	}
	b.WriteString(`</g>`)
	y := ViewHeight + bandPad
	y = drawRows(&b, o, legendRows, y, "map-legend")
	drawRows(&b, o, terrRows, y, "map-territories")
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// CountyMap draws counts (by county FIPS code) as a choropleth of the
// counties of state (a USPS code), fitted to the view, with the state's
// outline; state "" draws every county of the 50 states and DC with the
// states' borders. Shapes and legend are as StateMap's. It returns "" for
// a state without counties in the atlas (the territories).
func CountyMap(state string, counts map[string]int, opts Options) template.HTML {
	a, err := loadAtlas()
	if err != nil {
		return ""
	}
	state = strings.ToUpper(strings.TrimSpace(state))
	title := "287(g) agreements by county"
	var shapes []Shape
	var outline []Shape
	if state == "" {
		codes := make([]string, 0, len(a.byState))
		for code := range a.byState {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			shapes = append(shapes, a.byState[code]...)
			outline = append(outline, a.states[code])
		}
	} else {
		shapes = a.byState[state]
		if len(shapes) == 0 {
			return ""
		}
		outline = []Shape{a.states[state]}
		title = "287(g) agreements by county in " + stateName(state)
	}
	o := opts.withDefaults(title)
	breaks := cleanBreaks(o.Breaks)
	if o.Breaks == nil {
		breaks = DefaultBreaks(counts)
	}

	fit, mapHeight := fitView(shapes, state == "")
	legendRows := flowLegend(legendItems(o, breaks))
	height := mapHeight + bandPad + rowHeight*len(legendRows)

	var b strings.Builder
	b.Grow(len(shapes) * 600)
	desc := describe(counts, o, func(fips string) string {
		if c, ok := a.countyName(fips); ok {
			return c
		}
		return fips
	})
	open(&b, o, ViewWidth, height, desc)
	stroke := "0.5"
	if state == "" {
		stroke = "0.25"
	}
	fmt.Fprintf(&b, `<g class="map-shapes" stroke="#ffffff" stroke-width="%s" stroke-linejoin="round">`, stroke)
	for _, s := range shapes {
		n := counts[s.ID]
		name, _ := a.countyName(s.ID)
		label := name + ": " + o.count(n)
		if state == "" {
			label = name + ", " + StateOfFIPS(s.ID) + ": " + o.count(n)
		}
		shapeOpen(&b, o, s.ID, Color(n, breaks), fmt.Sprintf(`data-fips="%s" data-count="%d"`, s.ID, n))
		pathData(&b, s.Polygons, fit)
		shapeClose(&b, o, s.ID, label)
	}
	b.WriteString(`</g><g class="map-outline" fill="none" stroke="#555555" stroke-width="1" stroke-linejoin="round" aria-hidden="true">`)
	for _, s := range outline {
		b.WriteString(`<path d="`)
		pathData(&b, s.Polygons, fit)
		b.WriteString(`"/>`)
	}
	b.WriteString(`</g>`)
	drawRows(&b, o, legendRows, mapHeight+bandPad, "map-legend")
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func (a *atlas) countyName(fips string) (string, bool) {
	for _, e := range a.table[StateOfFIPS(fips)] {
		if e.FIPS == fips {
			return e.Name, true
		}
	}
	return "", false
}

// fitView maps shapes' coordinates into the 975-wide view: the whole
// atlas as it is, or one state scaled to fill up to 975×610, centred.
func fitView(shapes []Shape, whole bool) (func(Point) (float64, float64), int) {
	if whole {
		return func(p Point) (float64, float64) { return p.X, p.Y }, ViewHeight
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, s := range shapes {
		for _, poly := range s.Polygons {
			for _, r := range poly {
				for _, p := range r {
					minX, maxX = min(minX, p.X), max(maxX, p.X)
					minY, maxY = min(minY, p.Y), max(maxY, p.Y)
				}
			}
		}
	}
	const pad = 8
	w, h := maxX-minX, maxY-minY
	if w <= 0 || h <= 0 {
		return func(p Point) (float64, float64) { return p.X, p.Y }, ViewHeight
	}
	k := min((ViewWidth-2*pad)/w, (ViewHeight-2*pad)/h)
	height := int(math.Ceil(h*k)) + 2*pad
	dx := (ViewWidth - w*k) / 2
	return func(p Point) (float64, float64) {
		return dx + (p.X-minX)*k, pad + (p.Y-minY)*k
	}, height
}

// open writes the svg element with its title and description. role=img
// gives it one name; the shapes' own titles are tooltips for pointers.
func open(b *strings.Builder, o Options, w, h int, desc string) {
	esc := template.HTMLEscapeString
	role := `role="img"`
	if o.Href != nil {
		// Links inside stay reachable by keyboard and screen reader.
		role = `role="group"`
	}
	fmt.Fprintf(b, `<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" %s aria-labelledby="%s-title %s-desc" font-family="system-ui, sans-serif">`, w, h, role, o.ID, o.ID)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, o.ID, esc(o.Title), o.ID, esc(desc))
}

// describe says in words what the colours say: how many have a count and
// the largest ones.
func describe(counts map[string]int, o Options, name func(string) string) string {
	type kv struct {
		k string
		n int
	}
	var all []kv
	total := 0
	for k, n := range counts {
		if n > 0 {
			all = append(all, kv{k, n})
			total += n
		}
	}
	if len(all) == 0 {
		return "No " + o.Plural + "."
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].k < all[j].k
	})
	var d strings.Builder
	fmt.Fprintf(&d, "%s in %d places. Most: ", o.count(total), len(all))
	for i, e := range all[:min(5, len(all))] {
		if i > 0 {
			d.WriteString(", ")
		}
		fmt.Fprintf(&d, "%s %d", name(e.k), e.n)
	}
	d.WriteString(".")
	return d.String()
}

func shapeOpen(b *strings.Builder, o Options, key, fill, data string) {
	if href := o.link(key); href != "" {
		fmt.Fprintf(b, `<a href="%s">`, template.HTMLEscapeString(href))
	}
	fmt.Fprintf(b, `<path id="%s-%s" %s fill="%s" d="`, o.ID, key, data, fill)
}

func shapeClose(b *strings.Builder, o Options, key, title string) {
	fmt.Fprintf(b, `"><title>%s</title></path>`, template.HTMLEscapeString(title))
	if o.link(key) != "" {
		b.WriteString(`</a>`)
	}
}

// link is the caller's link for key when it is a relative path or an
// http(s) URL.
func (o Options) link(key string) string {
	if o.Href == nil {
		return ""
	}
	h := o.Href(key)
	if strings.HasPrefix(h, "/") && !strings.HasPrefix(h, "//") {
		return h
	}
	return escape.LinkURL(h)
}

// pathData writes polygons as SVG path data at one decimal, dropping
// points that round onto the previous one.
func pathData(b *strings.Builder, polys []Polygon, fit func(Point) (float64, float64)) {
	var buf []byte
	for _, poly := range polys {
		for _, r := range poly {
			if len(r) < 3 {
				continue
			}
			var lx, ly int64
			for i, p := range r {
				x, y := fit(p)
				ix, iy := int64(math.Round(x*10)), int64(math.Round(y*10))
				if i > 0 && ix == lx && iy == ly {
					continue
				}
				if i == 0 {
					buf = append(buf, 'M')
				} else {
					buf = append(buf, ' ')
				}
				buf = appendTenths(buf, ix)
				buf = append(buf, ',')
				buf = appendTenths(buf, iy)
				lx, ly = ix, iy
			}
			buf = append(buf, 'Z')
		}
	}
	b.Write(buf)
}

// appendTenths writes v/10 with at most one decimal ("12.3", "12", "-0.5").
func appendTenths(buf []byte, v int64) []byte {
	if v < 0 {
		buf = append(buf, '-')
		v = -v
	}
	buf = strconv.AppendInt(buf, v/10, 10)
	if d := v % 10; d != 0 {
		buf = append(buf, '.', byte('0'+d))
	}
	return buf
}

// bandItem is one entry of a row below the map: a swatch and its label.
type bandItem struct {
	key, label, fill, title string
	count                   int
	heading                 bool // a label without a swatch
}

func legendItems(o Options, breaks []int) []bandItem {
	heading := o.Plural
	if heading != "" {
		heading = strings.ToUpper(heading[:1]) + heading[1:]
	}
	items := []bandItem{{label: heading + ":", heading: true}, {key: "0", label: "0", fill: ZeroColor, title: "none"}}
	for i := range breaks {
		l := bucketLabel(i, breaks)
		items = append(items, bandItem{key: strconv.Itoa(breaks[i]), label: l, fill: Color(breaks[i], breaks), title: l})
	}
	return items
}

// itemWidth estimates an item's width in view units: a swatch, a gap and
// the label at about 0.6 em a character, then a space before the next.
func itemWidth(it bandItem) int {
	w := int(float64(len([]rune(it.label)))*fontSize*0.6) + 28
	if !it.heading {
		w += swatch + 10
	}
	return w
}

// flowLegend puts the legend on one row when it fits, else its heading on
// a row of its own above the swatches, never one swatch alone below.
func flowLegend(items []bandItem) [][]bandItem {
	total := 0
	for _, it := range items {
		total += itemWidth(it)
	}
	if total <= ViewWidth-16 || len(items) < 2 || !items[0].heading {
		return flow(items)
	}
	return append([][]bandItem{items[:1]}, flow(items[1:])...)
}

// flow breaks items into rows that fit the view's width.
func flow(items []bandItem) [][]bandItem {
	var rows [][]bandItem
	x := 0
	for _, it := range items {
		w := itemWidth(it)
		if len(rows) == 0 || x+w > ViewWidth-16 {
			rows = append(rows, nil)
			x = 0
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], it)
		x += w
	}
	return rows
}

// drawRows writes rows of swatches from y and returns the y below them.
func drawRows(b *strings.Builder, o Options, rows [][]bandItem, y int, class string) int {
	if len(rows) == 0 {
		return y
	}
	esc := template.HTMLEscapeString
	fmt.Fprintf(b, `<g class="%s" font-size="%d" fill="#222222">`, class, fontSize)
	for _, row := range rows {
		x := 8
		for _, it := range row {
			baseline := y + rowHeight/2 + fontSize*7/20
			if it.heading {
				fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`, x, baseline, esc(it.label))
				x += itemWidth(it)
				continue
			}
			href := ""
			if class == "map-territories" {
				if href = o.link(it.key); href != "" {
					fmt.Fprintf(b, `<a href="%s">`, esc(href))
				}
				fmt.Fprintf(b, `<g id="%s-%s" data-state="%s" data-count="%d"><title>%s</title>`, o.ID, it.key, it.key, it.count, esc(it.title))
			} else {
				b.WriteString(`<g>`)
			}
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#555555" stroke-width="1"/>`, x, y+(rowHeight-swatch)/2, swatch, swatch, it.fill)
			fmt.Fprintf(b, `<text x="%d" y="%d">%s</text></g>`, x+swatch+10, baseline, esc(it.label))
			if href != "" {
				b.WriteString(`</a>`)
			}
			x += itemWidth(it)
		}
		y += rowHeight
	}
	b.WriteString(`</g>`)
	return y
}

// idSafe keeps an id to letters, digits, '-' and '_'.
func idSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
		if b.Len() >= 40 {
			break
		}
	}
	if b.Len() == 0 {
		return "map"
	}
	return b.String()
}
