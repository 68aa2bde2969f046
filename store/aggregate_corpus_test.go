package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/watch287g/watch287g/internal/corpustest"
)

// TestAggregatesCorpus: on the real lists, committed one by one and then
// rebuilt, the aggregates equal what the records say.
func TestAggregatesCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus import takes seconds")
	}
	dir := corpustest.Dir(t)
	files := readManifest(t, dir)
	if raceEnabled && len(files) > raceCorpusFiles/2 {
		// Each check decodes every record a few times over: under -race
		// the first lists (baselines, changes, a rebuild) keep it short.
		files = files[:raceCorpusFiles/2]
	}
	s, err := Open(filepath.Join(t.TempDir(), "corpus.db"), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	commitCorpus(t, s, readCorpus(t, dir, files))
	checkAggregates(t, s, "corpus")
	if _, err := s.Rebuild(context.Background(), RebuildOptions{}); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	checkAggregates(t, s, "corpus rebuilt")
}
