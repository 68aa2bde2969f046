package sheet

// The fixtures in testdata/ (at the module root) are written by
// internal/fixturegen; regenerate them after changing it.
//go:generate go run ../internal/fixturegen -out ../testdata
