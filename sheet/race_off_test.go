//go:build !race

package sheet

// raceEnabled is true when the tests run under the race detector, which
// makes the reference reader (excelize) about ten times slower.
const raceEnabled = false
