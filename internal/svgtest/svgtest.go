// Package svgtest parses the server-drawn SVG maps and charts back for
// tests (geo's maps, web's pages), so they assert on elements rather than
// on markup text.
package svgtest

import (
	"encoding/xml"
	"testing"
)

// Node is any element, parsed back with encoding/xml.
type Node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []Node     `xml:",any"`
}

// Attr is the value of the attribute named name ("" when absent).
func (n Node) Attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// Walk calls f on n and every element under it, in document order.
func (n Node) Walk(f func(Node)) {
	f(n)
	for _, c := range n.Nodes {
		c.Walk(f)
	}
}

// Child returns the first direct child element named local.
func (n Node) Child(local string) (Node, bool) {
	for _, c := range n.Nodes {
		if c.XMLName.Local == local {
			return c, true
		}
	}
	return Node{}, false
}

// Parse parses s, which must be one well-formed <svg> element; what names
// it in a failure.
func Parse(t testing.TB, what, s string) Node {
	t.Helper()
	var root Node
	if err := xml.Unmarshal([]byte(s), &root); err != nil {
		t.Fatalf("%s is not well-formed XML: %v", what, err)
	}
	if root.XMLName.Local != "svg" {
		t.Fatalf("%s: got root %q, want svg", what, root.XMLName.Local)
	}
	return root
}
