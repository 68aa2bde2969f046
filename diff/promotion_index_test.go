package diff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// TestLinkPromotionsIndexed: links made with the signings' index kept
// from call to call are the links a fresh index gives, over a window of
// signings that gains some at the end and loses the oldest by compacting
// the same array in place (as the store prunes them), so a cache that read
// the records it was given last time would file the wrong signatures.
func TestLinkPromotionsIndexed(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	states := []string{"TX", "FL", "LA", "PA"}
	words := []string{"Harris", "Harriss", "Coke", "Cook", "Polk", "Brevard", "Walton", "Bay"}
	kinds := []string{"County Sheriff's Office", "County Sheriffs Office", "Police Department", "Sheriff's Office"}
	models := []string{sheet.TaskForce, sheet.WarrantServiceOfficer, sheet.JailEnforcement}
	day0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	date := func(d int) string { return day0.AddDate(0, 0, d).Format(time.DateOnly) }
	newRec := func() sheet.Record {
		name := words[rng.IntN(len(words))] + " " + kinds[rng.IntN(len(kinds))]
		return rec(states[rng.IntN(len(states))], name, models[rng.IntN(len(models))], "", "")
	}
	var cache IndexCache
	var signings []Agreement
	links, builds := 0, 0
	for d := range 120 {
		for range rng.IntN(6) {
			signings = append(signings, Agreement{ID: fmt.Sprintf("s-%d", len(signings)), Record: newRec(), Since: date(d)})
		}
		// Prune in place, as store's promote does.
		kept := signings[:0]
		for _, s := range signings {
			if s.Since >= date(d-20) {
				kept = append(kept, s)
			}
		}
		signings = kept
		var exits []PendingExit
		for range rng.IntN(5) {
			exits = append(exits, PendingExit{Agreement: Agreement{ID: "p", Record: newRec(), Since: date(d - 30)}, Left: date(d - rng.IntN(8))})
		}
		t.Run(fmt.Sprintf("day %d", d), func(t *testing.T) {
			b := cache.Builds
			got := LinkPromotionsIndexed(exits, signings, &cache)
			want := LinkPromotions(exits, signings)
			if !slices.Equal(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			links += len(got)
			if len(exits) > 0 && len(signings) > 0 {
				sameIndex(t, cache.ai, signings)
				builds += cache.Builds - b
			}
		})
	}
	if links == 0 {
		t.Fatal("no links made: the test exercises nothing")
	}
	t.Logf("%d links, %d index builds or updates", links, builds)
}
