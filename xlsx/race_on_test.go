//go:build race

package xlsx

// raceEnabled is true when the tests run under the race detector, which
// makes big inputs several times slower to build and read.
const raceEnabled = true
