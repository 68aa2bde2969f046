//go:build race

package geo

// raceEnabled is true under the race detector, which makes reading the
// whole corpus several times slower: the corpus test then reads only the
// latest lists.
const raceEnabled = true
