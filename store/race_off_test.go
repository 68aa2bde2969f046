//go:build !race

package store

// raceEnabled is true under the race detector.
const raceEnabled = false
