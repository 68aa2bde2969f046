package diff

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// benchList builds n agreements with random names (one random word and
// a kind of body) over a few states and models.
func benchList(n int, prefix string) []Agreement {
	states := []string{"FL", "TX", "LA", "PA", "MO", "OK", "TN", "AL", "GA", "SC"}
	models := []string{sheet.TaskForce, sheet.WarrantServiceOfficer, sheet.JailEnforcement}
	kinds := []string{"County Sheriff's Office", "Police Department", "Township Constable's Office"}
	rng := rand.New(rand.NewPCG(287, uint64(len(prefix))))
	out := make([]Agreement, n)
	for i := range out {
		st := states[i%len(states)]
		b := []byte{byte('A' + rng.IntN(26))}
		for range 5 + rng.IntN(5) {
			b = append(b, byte('a'+rng.IntN(26)))
		}
		word := string(b)
		out[i] = Agreement{ID: fmt.Sprintf("%s-%d", prefix, i), Record: sheet.Record{State: st, StateName: st,
			Agency: word + " " + kinds[i%len(kinds)], Type: "County", Model: models[(i/7)%len(models)],
			Signed: fmt.Sprintf("2025-%02d-%02d", 1+i%12, 1+i%28)}}
	}
	return out
}

// BenchmarkAdvance1800 runs the lifecycle of one list of 1,800 agreements
// with 1,000 absences on record, 50 additions (half of them returns) and
// 10 removals: the cost must stay near Compare's, not grow with
// absences × additions.
func BenchmarkAdvance1800(b *testing.B) {
	old := benchList(1800, "p")
	var cur []sheet.Record
	for _, a := range old[10:] {
		cur = append(cur, a.Record)
	}
	for _, a := range benchList(1850, "x")[1800:] {
		cur = append(cur, a.Record)
	}
	res := Compare(sheet.Participating, old, cur, Options{Published: "2025-08-01"})
	absent := make([]Absent, 1000)
	for i := range absent {
		r := old[i%len(old)].Record
		r.Agency = fmt.Sprintf("Gone %d County Sheriff's Office", i)
		absent[i] = Absent{Agreement: Agreement{ID: fmt.Sprintf("gone-%d", i), Record: r}, Status: StatusMissing,
			Absence: Absence{Published: "2025-07-01", Lists: i % 5}}
	}
	for i, c := range res.Added {
		if i%2 == 0 {
			absent[i].Record = *c.After
		}
	}
	s := Step{List: sheet.Participating, Published: "2025-08-01", Old: old, Result: res, Absent: absent}
	b.ReportAllocs()
	for b.Loop() {
		Advance(s)
	}
}

// BenchmarkLinkPromotions links 1,000 pending exits against 2,000
// signings.
func BenchmarkLinkPromotions(b *testing.B) {
	old := benchList(3000, "q")
	exits := make([]PendingExit, 1000)
	for i := range exits {
		exits[i] = PendingExit{Agreement: old[i], Left: "2025-08-01"}
		exits[i].Since = "2025-07-01"
	}
	signings := make([]Agreement, 2000)
	for i := range signings {
		signings[i] = old[i+500]
		signings[i].Since = fmt.Sprintf("2025-07-%02d", 1+i%31)
	}
	b.ReportAllocs()
	for b.Loop() {
		LinkPromotions(exits, signings)
	}
}
