package geo

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/internal/svgtest"
	"github.com/watch287g/watch287g/sheet"
)

// svgNode is any element of a map, parsed back.
type svgNode = svgtest.Node

func parseSVG(t *testing.T, s string) svgNode {
	t.Helper()
	return svgtest.Parse(t, "map", s)
}

func TestStateMap(t *testing.T) {
	counts := map[string]int{"TX": 312, "FL": 290, "GA": 40, "NC": 12, "VA": 7, "MD": 3, "AK": 1, "GU": 2, "MP": 1}
	breaks := []int{1, 5, 10, 25, 100}
	root := parseSVG(t, string(StateMap(counts, Options{ID: "us", Breaks: breaks})))

	if got := root.Attr("role"); got != "img" {
		t.Errorf("got role %q, want img", got)
	}
	if got := root.Attr("aria-labelledby"); got != "us-title us-desc" {
		t.Errorf("got aria-labelledby %q, want the title and desc ids", got)
	}
	if title, ok := root.Child("title"); !ok || title.Text == "" {
		t.Errorf("got no title")
	}
	if desc, ok := root.Child("desc"); !ok || !strings.Contains(desc.Text, "Texas 312") {
		t.Errorf("got desc %q, want it to name the largest count", desc.Text)
	}

	paths := map[string]svgNode{}
	root.Walk(func(n svgNode) {
		if n.XMLName.Local == "path" && n.Attr("data-state") != "" {
			code := n.Attr("data-state")
			if _, dup := paths[code]; dup {
				t.Errorf("state %s drawn twice", code)
			}
			paths[code] = n
		}
	})
	for _, s := range sheet.States() {
		p, ok := paths[s.Code]
		if isTerritory(s.Code) {
			if ok {
				t.Errorf("territory %s drawn as a path, want a box", s.Code)
			}
			continue
		}
		if !ok {
			t.Errorf("no path for %s", s.Code)
			continue
		}
		n := counts[s.Code]
		if got := p.Attr("data-count"); got != strconv.Itoa(n) {
			t.Errorf("%s: got data-count %q, want %d", s.Code, got, n)
		}
		if got, want := p.Attr("fill"), Color(n, breaks); got != want {
			t.Errorf("%s: got fill %s, want %s for %d", s.Code, got, want, n)
		}
		if !strings.HasPrefix(p.Attr("d"), "M") {
			t.Errorf("%s: got path data %.20q, want it to start with M", s.Code, p.Attr("d"))
		}
		title, _ := p.Child("title")
		if want := fmt.Sprintf("%s: %s", s.Name, plural(n)); title.Text != want {
			t.Errorf("%s: got title %q, want %q", s.Code, title.Text, want)
		}
	}
	if len(paths) != 51 {
		t.Errorf("got %d state paths, want 51 (50 states and DC)", len(paths))
	}
	// The colours by hand, so a wrong Color cannot agree with itself.
	for code, want := range map[string]string{
		"TX": Palette[4], "FL": Palette[4], "GA": Palette[3], "NC": Palette[2], "VA": Palette[1],
		"MD": Palette[0], "AK": Palette[0], "OH": ZeroColor,
	} {
		if got := paths[code].Attr("fill"); got != want {
			t.Errorf("%s: got fill %s, want %s", code, got, want)
		}
	}

	// Guam and the Northern Mariana Islands are boxes coloured by count.
	boxes := map[string]svgNode{}
	root.Walk(func(n svgNode) {
		if n.XMLName.Local == "g" && n.Attr("data-state") != "" {
			boxes[n.Attr("data-state")] = n
		}
	})
	for code, want := range map[string]string{"GU": "Guam: 2", "MP": "N. Mariana Islands: 1"} {
		box, ok := boxes[code]
		if !ok {
			t.Errorf("no box for %s", code)
			continue
		}
		rect, _ := box.Child("rect")
		if got := rect.Attr("fill"); got != Color(counts[code], breaks) || got != Palette[0] {
			t.Errorf("%s: got box fill %s, want %s", code, got, Palette[0])
		}
		text, _ := box.Child("text")
		if text.Text != want {
			t.Errorf("%s: got label %q, want %q", code, text.Text, want)
		}
		title, _ := box.Child("title")
		if wantTitle := sheet.StateName(code) + ": " + plural(counts[code]); title.Text != wantTitle {
			t.Errorf("%s: got title %q, want %q", code, title.Text, wantTitle)
		}
	}
	if len(boxes) != 2 {
		t.Errorf("got %d territory boxes, want 2 (only the counted ones)", len(boxes))
	}

	// The legend names each bucket.
	var labels []string
	rowOf := map[string]string{}
	root.Walk(func(n svgNode) {
		if n.XMLName.Local == "g" && n.Attr("class") == "map-legend" {
			n.Walk(func(c svgNode) {
				if c.XMLName.Local == "text" {
					labels = append(labels, c.Text)
					rowOf[c.Text] = c.Attr("y")
				}
			})
		}
	})
	if got, want := strings.Join(labels, "|"), "Agreements:|0|1–4|5–9|10–24|25–99|100+"; got != want {
		t.Errorf("got legend %q, want %q", got, want)
	}
	// Too wide for one row: the heading above, the swatches together.
	if rowOf["0"] != rowOf["100+"] || rowOf["Agreements:"] == rowOf["0"] {
		t.Errorf("got legend rows %v, want the heading alone and every swatch on one row", rowOf)
	}
	checkTextSize(t, root)
}

// checkTextSize: every text is at least 11 px when the 975-wide view is
// drawn 350 px wide (a 390 px phone less the page's margins).
func checkTextSize(t *testing.T, root svgNode) {
	t.Helper()
	var visit func(n svgNode, size float64)
	texts := 0
	visit = func(n svgNode, size float64) {
		if fs := n.Attr("font-size"); fs != "" {
			v, err := strconv.ParseFloat(fs, 64)
			if err != nil {
				t.Errorf("got font-size %q, want a number of view units", fs)
			}
			size = v
		}
		if n.XMLName.Local == "text" {
			texts++
			if px := size * 350 / ViewWidth; px < 11 {
				t.Errorf("text %q: got %.1f px at 350 px wide, want at least 11", n.Text, px)
			}
		}
		for _, c := range n.Nodes {
			visit(c, size)
		}
	}
	visit(root, 0)
	if texts == 0 {
		t.Errorf("got no text in the map")
	}
}

func plural(n int) string {
	if n == 1 {
		return "1 agreement"
	}
	return strconv.Itoa(n) + " agreements"
}

func TestStateMapWithoutTerritories(t *testing.T) {
	root := parseSVG(t, string(StateMap(map[string]int{"TX": 3}, Options{})))
	root.Walk(func(n svgNode) {
		if n.XMLName.Local == "g" && n.Attr("class") == "map-territories" {
			t.Errorf("got a territory row with no territory counted")
		}
	})
	if got := root.Attr("viewBox"); got != "0 0 975 672" {
		t.Errorf("got viewBox %q, want the map and one legend row", got)
	}
}

// TestStateMapZeroTerritory: a territory with a count of zero (a former
// agreement) is still shown.
func TestStateMapZeroTerritory(t *testing.T) {
	out := string(StateMap(map[string]int{"GU": 0}, Options{ID: "z"}))
	if !strings.Contains(out, `id="z-GU" data-state="GU" data-count="0"`) {
		t.Errorf("got no Guam box for a zero count")
	}
	if !strings.Contains(out, "No agreements.") {
		t.Errorf("got no 'No agreements.' description")
	}
}

func TestMapEscapesAndLinks(t *testing.T) {
	opts := Options{
		ID:    `x"><script>`,
		Title: `Agreements <b>& "more"</b>`,
		Href: func(code string) string {
			switch code {
			case "TX":
				return "/states/TX"
			case "FL":
				return "javascript:alert(1)"
			case "GU":
				return "https://example.org/gu?a=1&b=2"
			}
			return ""
		},
	}
	out := string(StateMap(map[string]int{"TX": 1, "FL": 2, "GU": 1}, opts))
	root := parseSVG(t, out)
	if strings.Contains(out, "<script") || strings.Contains(out, "javascript:") {
		t.Errorf("got unescaped input in the map")
	}
	if title, _ := root.Child("title"); title.Text != opts.Title {
		t.Errorf("got title %q, want %q", title.Text, opts.Title)
	}
	links := map[string]bool{}
	root.Walk(func(n svgNode) {
		if n.XMLName.Local == "a" {
			links[n.Attr("href")] = true
		}
	})
	if !links["/states/TX"] || !links["https://example.org/gu?a=1&b=2"] || len(links) != 2 {
		t.Errorf("got links %v, want Texas's and Guam's only", links)
	}
	if got := root.Attr("role"); got != "group" {
		t.Errorf("got role %q for a map of links, want group", got)
	}
}

func TestCountyMap(t *testing.T) {
	counts := map[string]int{"48201": 12, "48029": 3, "48113": 1}
	root := parseSVG(t, string(CountyMap("TX", counts, Options{ID: "tx", Breaks: []int{1, 10}})))
	n := 0
	root.Walk(func(p svgNode) {
		if p.XMLName.Local != "path" || p.Attr("data-fips") == "" {
			return
		}
		n++
		fips := p.Attr("data-fips")
		if StateOfFIPS(fips) != "TX" {
			t.Errorf("got county %s in the Texas map", fips)
		}
		if got, want := p.Attr("fill"), Color(counts[fips], []int{1, 10}); got != want {
			t.Errorf("%s: got fill %s, want %s", fips, got, want)
		}
	})
	if n != 254 {
		t.Errorf("got %d county paths, want Texas's 254", n)
	}
	var harris svgNode
	root.Walk(func(p svgNode) {
		if p.Attr("id") == "tx-48201" {
			harris = p
		}
	})
	if title, _ := harris.Child("title"); title.Text != "Harris County: 12 agreements" {
		t.Errorf("got Harris title %q", title.Text)
	}
	if harris.Attr("fill") != Palette[len(Palette)-1] {
		t.Errorf("got Harris fill %s, want the darkest", harris.Attr("fill"))
	}
	// The state is fitted to the 975-wide view.
	vb := strings.Fields(root.Attr("viewBox"))
	if len(vb) != 4 || vb[2] != "975" {
		t.Errorf("got viewBox %v, want 975 wide", vb)
	}

	if got := CountyMap("GU", map[string]int{"66010": 1}, Options{}); got != "" {
		t.Errorf("got a county map for Guam, want none (no shapes)")
	}
	if got := CountyMap("ZZ", nil, Options{}); got != "" {
		t.Errorf("got a county map for an unknown state")
	}
}

func TestCountyMapAll(t *testing.T) {
	root := parseSVG(t, string(CountyMap("", map[string]int{"48201": 2}, Options{})))
	n := 0
	root.Walk(func(p svgNode) {
		if p.XMLName.Local == "path" && p.Attr("data-fips") != "" {
			n++
		}
	})
	if n != 3142 {
		t.Errorf("got %d county paths, want 3142", n)
	}
}

func TestDefaultBreaks(t *testing.T) {
	tests := []struct {
		name   string
		counts map[string]int
		want   []int
	}{
		{"none", map[string]int{"TX": 0}, nil},
		{"one value", map[string]int{"TX": 4, "FL": 4}, []int{1, 4}},
		{"spread", map[string]int{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10}, []int{1, 3, 5, 7, 9}},
		{"mostly ones", map[string]int{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1, "h": 1, "i": 2, "j": 3, "k": 4, "l": 9}, []int{1, 2, 3, 4, 9}},
		{"ones and a two", map[string]int{"a": 1, "b": 1, "c": 1, "d": 2}, []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultBreaks(tt.counts)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestColor(t *testing.T) {
	tests := []struct {
		n      int
		breaks []int
		want   string
	}{
		{0, []int{1, 5}, ZeroColor},
		{1, []int{1, 5}, Palette[0]},
		{4, []int{1, 5}, Palette[0]},
		{5, []int{1, 5}, Palette[len(Palette)-1]},
		{3, []int{1}, Palette[len(Palette)/2]},
		{3, nil, ZeroColor},
	}
	for _, tt := range tests {
		if got := Color(tt.n, tt.breaks); got != tt.want {
			t.Errorf("Color(%d, %v): got %s, want %s", tt.n, tt.breaks, got, tt.want)
		}
	}
}

func BenchmarkStateMap(b *testing.B) {
	counts := map[string]int{"TX": 312, "FL": 290, "GU": 2}
	StateMap(counts, Options{})
	for b.Loop() {
		StateMap(counts, Options{})
	}
}

func BenchmarkCountyMapTexas(b *testing.B) {
	counts := map[string]int{"48201": 12}
	CountyMap("TX", counts, Options{})
	for b.Loop() {
		CountyMap("TX", counts, Options{})
	}
}
