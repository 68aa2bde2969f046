//go:build race

package store

// raceEnabled is true under the race detector, which makes parsing and
// committing the whole corpus about ten times slower.
const raceEnabled = true
