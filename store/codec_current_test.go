package store

import (
	"bytes"
	"compress/flate"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// filledAgreement sets every field of an agreement, found by reflection,
// to a value of its own: a field added to sheet.Record or diff.Agreement
// that encodeCurrent does not pack fails the round trip below.
func filledAgreement(t *testing.T, n int) diff.Agreement {
	t.Helper()
	var a diff.Agreement
	var fill func(v reflect.Value, path string)
	fill = func(v reflect.Value, path string) {
		for i := range v.NumField() {
			f, name := v.Field(i), path+v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.Struct:
				fill(f, name+".")
			case reflect.String:
				f.SetString(name + " " + strconv.Itoa(n) + " é<&>\"")
			case reflect.Int:
				f.SetInt(int64(-3 + n*1000))
			case reflect.Map:
				m := reflect.MakeMap(f.Type())
				for j := range 3 {
					m.SetMapIndex(reflect.ValueOf(name+strconv.Itoa(j)), reflect.ValueOf(strings.Repeat("x", j)))
				}
				f.Set(m)
			default:
				t.Fatalf("field %s of kind %s: teach encodeCurrent and this test about it", name, f.Kind())
			}
		}
	}
	fill(reflect.ValueOf(&a).Elem(), "")
	return a
}

func TestCurrentRoundTrip(t *testing.T) {
	c := &current{SnapshotID: 1 << 40, Published: "2026-11-30"}
	for i := range 50 {
		c.Agreements = append(c.Agreements, filledAgreement(t, i))
	}
	c.Agreements = append(c.Agreements, diff.Agreement{ID: "a9", Record: sheet.Record{Agency: "Plain"}})

	raw, err := encodeCurrent(c)
	if err != nil {
		t.Fatal(err)
	}
	if raw[0] != currentPacked {
		t.Fatalf("format byte %#x, want %#x", raw[0], currentPacked)
	}
	again, err := encodeCurrent(c)
	if err != nil || !bytes.Equal(raw, again) {
		t.Fatalf("the same list packs to different bytes (Extra's order?): %v", err)
	}
	var got current
	if err := decodeCurrent(raw, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, *c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got.Agreements[0], c.Agreements[0])
	}
}

// TestCurrentReadsJSON: values written before the packed format (JSON,
// plain or deflated by encodeJSON) read as they did.
func TestCurrentReadsJSON(t *testing.T) {
	for _, n := range []int{0, 1, 40} {
		c := &current{SnapshotID: 7, Published: "2019-01-02"}
		for i := range n {
			c.Agreements = append(c.Agreements, filledAgreement(t, i))
		}
		raw, err := encodeJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		if n == 40 && raw[0] != compressed {
			t.Fatalf("%d agreements: JSON not deflated; the test misses that format", n)
		}
		var want, got current
		if err := decodeJSON(raw, &want); err != nil {
			t.Fatal(err)
		}
		if err := decodeCurrent(raw, &got); err != nil {
			t.Fatalf("%d agreements: %v", n, err)
		}
		if !reflect.DeepEqual(got, want) || got.SnapshotID != 7 || len(got.Agreements) != n {
			t.Fatalf("%d agreements: JSON read as %+v, want %+v", n, got, want)
		}
	}
}

// TestCurrentCorrupt: a packed value cut short, or with bytes to spare,
// is an error, never a panic or a short list.
func TestCurrentCorrupt(t *testing.T) {
	c := &current{SnapshotID: 3, Agreements: []diff.Agreement{filledAgreement(t, 1), filledAgreement(t, 2)}}
	var plain []byte
	plain = append(plain, 3, 0, 2)
	for i := range c.Agreements {
		plain = appendAgreement(plain, &c.Agreements[i])
	}
	if n := packedSize(c); n < len(plain) {
		t.Fatalf("packedSize %d, packed %d bytes", n, len(plain))
	}
	pack := func(b []byte) []byte {
		var out bytes.Buffer
		out.WriteByte(currentPacked)
		fw, err := flate.NewWriter(&out, flate.BestSpeed)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	var ok current
	if err := decodeCurrent(pack(plain), &ok); err != nil || len(ok.Agreements) != 2 {
		t.Fatalf("whole value: %v, %d agreements", err, len(ok.Agreements))
	}
	for _, cut := range []int{1, 2, 3, 10, len(plain) / 2, len(plain) - 1} {
		var got current
		if err := decodeCurrent(pack(plain[:cut]), &got); err == nil {
			t.Errorf("cut at %d of %d: no error", cut, len(plain))
		}
	}
	var got current
	if err := decodeCurrent(pack(append(bytes.Clone(plain), 0)), &got); err == nil {
		t.Error("a byte to spare: no error")
	}
	if err := decodeCurrent([]byte{currentPacked, 0xff, 0x00}, &got); err == nil {
		t.Error("not deflate: no error")
	}
}
