package store

import "testing"

func TestGrowStep(t *testing.T) {
	for _, tc := range []struct {
		size int64
		want int
	}{
		{0, AllocSize},
		{4 << 20, AllocSize},                // small files grow by the least step
		{28 << 20, 448 << 10},               // a corpus-sized store: a 64th
		{500 << 20, 8000 << 10},             // ten years
		{10 << 30, 8 << 20},                 // capped
		{-1, AllocSize},                     // never below the least step
		{16<<20 + 64<<12, AllocSize + 4096}, // a 64th, in whole pages
		{16<<20 + 64, AllocSize},            // never part of a page
	} {
		if got := growStep(tc.size, 4096); got != tc.want || got%4096 != 0 {
			t.Errorf("growStep(%d) = %d, want %d (whole 4096-byte pages)", tc.size, got, tc.want)
		}
	}
	// Larger pages: whole ones, at least one.
	for _, size := range []int64{0, 28 << 20, 16<<20 + 64, 500 << 20} {
		if got := growStep(size, 64<<10); got%(64<<10) != 0 || got == 0 {
			t.Errorf("growStep(%d, 64 KiB) = %d, want whole 64 KiB pages", size, got)
		}
	}
}
