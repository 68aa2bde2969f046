// Package layers holds the test that keeps the packages' one-way flow
// (docs/ARCHITECTURE.md): no package imports one downstream of it.
package layers
