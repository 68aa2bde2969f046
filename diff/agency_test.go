package diff

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// TestEditWithin: the banded distance agrees with sheet.EditDistance at
// every bound, on random near and far words and on the edge cases.
func TestEditWithin(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abc"[rng.IntN(3)]
		}
		return string(b)
	}
	mutate := func(s string) string {
		b := []byte(s)
		for range rng.IntN(4) {
			switch i := rng.IntN(len(b) + 1); rng.IntN(4) {
			case 0:
				b = append(b[:i], append([]byte{'d'}, b[i:]...)...)
			case 1:
				if i < len(b) {
					b = append(b[:i], b[i+1:]...)
				}
			case 2:
				if i < len(b) {
					b[i] = 'e'
				}
			default:
				if i+1 < len(b) {
					b[i], b[i+1] = b[i+1], b[i]
				}
			}
		}
		return string(b)
	}
	pairs := [][2]string{{"", ""}, {"", "abc"}, {"ab", "ba"}, {"calacasieu", "calcasieu"}, {"freedom", "freeborn"},
		{strings.Repeat("a", 100), strings.Repeat("a", 99) + "b"}}
	for range 20000 {
		a := word(rng.IntN(12))
		b := mutate(a)
		if rng.IntN(4) == 0 {
			b = word(rng.IntN(12))
		}
		pairs = append(pairs, [2]string{a, b})
	}
	for _, p := range pairs {
		for k := range 6 {
			if got, want := editWithin(p[0], p[1], k), sheet.EditDistance(p[0], p[1], k); got != want {
				t.Fatalf("editWithin(%q, %q, %d): got %d, want %d", p[0], p[1], k, got, want)
			}
		}
	}
}

// TestWordSigs: words tokenClose accepts share a signature, including
// long words compared by their first bytes.
func TestWordSigs(t *testing.T) {
	tests := map[string]struct {
		a, b  string
		share bool
	}{
		"typo":                {"calacasieu", "calcasieu", true},
		"transposition":       {"rappahannok", "rappahannock", true},
		"two edits":           {"pymathuning", "pymatuning", true},
		"swap five letters":   {"macro", "marco", true},
		"short words equal":   {"gulf", "gulf", true},
		"long typo at end":    {strings.Repeat("x", 40) + "ab", strings.Repeat("x", 40) + "ba", true},
		"long typo at start":  {"ab" + strings.Repeat("x", 40), "ba" + strings.Repeat("x", 40), true},
		"different words":     {"franklin", "pasco", false},
		"different long word": {strings.Repeat("x", 40), strings.Repeat("y", 40), false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if tt.share && !tokenClose(tt.a, tt.b) {
				t.Fatalf("tokenClose(%q, %q) is false: a bad case", tt.a, tt.b)
			}
			sigs := map[uint64]bool{}
			wordSigs(7, tt.a, func(h uint64) { sigs[h] = true })
			got := false
			wordSigs(7, tt.b, func(h uint64) { got = got || sigs[h] })
			if got != tt.share {
				t.Errorf("share a signature: got %v, want %v", got, tt.share)
			}
		})
	}
}

// TestWordSigsCoverTokenClose: every pair of random words tokenClose
// accepts shares a signature.
func TestWordSigsCoverTokenClose(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	word := func() string {
		b := make([]byte, 2+rng.IntN(20))
		for i := range b {
			b[i] = "abcd"[rng.IntN(4)]
		}
		return string(b)
	}
	n := 0
	for range 60000 {
		a, b := word(), word()
		if rng.IntN(2) == 0 {
			bb := []byte(a)
			bb[rng.IntN(len(bb))] = 'e'
			if rng.IntN(2) == 0 {
				bb = append(bb, 'f')
			}
			b = string(bb)
		}
		if !tokenClose(a, b) {
			continue
		}
		n++
		sigs := map[uint64]bool{}
		wordSigs(0, a, func(h uint64) { sigs[h] = true })
		shared := false
		wordSigs(0, b, func(h uint64) { shared = shared || sigs[h] })
		if !shared {
			t.Fatalf("tokenClose(%q, %q) but no signature in common", a, b)
		}
	}
	if n < 300 {
		t.Fatalf("got %d close pairs, want at least 300 (the generator is broken)", n)
	}
}
