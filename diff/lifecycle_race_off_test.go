//go:build !race

package diff

// underRace is true when the tests run under the race detector, which
// makes the corpus replay of the lifecycle (every list, compared twice)
// several times slower. The replay is single-threaded pure code, so the
// detector has nothing to find in it.
const underRace = false
