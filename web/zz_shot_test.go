package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/sheet"
)

func TestZZShot(t *testing.T) {
	css, _ := os.ReadFile("static/style.css")
	inline := func(body string) string {
		return strings.Replace(body, `<link rel="stylesheet" href="/static/style.css">`, "<style>"+string(css)+"</style>", 1)
	}
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	os.WriteFile("/tmp/h12/overview.html", []byte(inline(recorder(t, srv, "/").Body.String())), 0o644)
	os.WriteFile("/tmp/h12/state.html", []byte(inline(recorder(t, srv, "/states/TX").Body.String())), 0o644)

	dir := corpustest.Dir(t)
	b, _ := os.ReadFile(filepath.Join(dir, "2026-03-02am_participatingAgencies03022026am.xlsx"))
	f, _ := sheet.Parse(b)
	rows := map[string]*stateRow{}
	byState := map[string][]diff.Agreement{}
	for _, r := range f.Records {
		if rows[r.State] == nil {
			rows[r.State] = &stateRow{Code: r.State}
		}
		rows[r.State].Participating++
		byState[r.State] = append(byState[r.State], diff.Agreement{Record: r})
	}
	var list []stateRow
	for _, r := range rows {
		list = append(list, *r)
	}
	page := "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><style>" + string(css) + "</style><main>" +
		"<h2>States</h2>" + string(stateMap(list)) + "<h2>Texas</h2>" + string(countyMap("TX", byState["TX"])) +
		"<h2>Florida</h2>" + string(countyMap("FL", byState["FL"])) + "<h2>Virginia</h2>" + string(countyMap("VA", byState["VA"])) + "</main>"
	os.WriteFile("/tmp/h12/real.html", []byte(page), 0o644)
}
