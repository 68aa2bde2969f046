package store

import (
	"github.com/watch287g/watch287g/diff"

	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// FormerAgreements returns the agreements of list no longer listed
// (missing or ended) whose absence began on or after since (a YYYY-MM-DD
// date; "" for every one), and those with no absence date (records written
// before the lifecycle), ordered by id. It reads the memo of agreement
// records (memo.go) without copying the rest of them, so the overview's
// endings cost the endings it shows rather than a copy of every agreement
// ever listed.
func (s *Store) FormerAgreements(ctx context.Context, list sheet.List, since string) ([]AgreementInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: former agreements: %w", err)
	}
	keep := func(info *AgreementInfo) bool {
		// A merged duplicate row did not leave the program (duplicate.go).
		return !info.Active && info.Status != diff.StatusMerged && info.List == list &&
			(since == "" || info.AbsentSince == "" || info.AbsentSince >= since)
	}
	out := []AgreementInfo{}
	err := s.view("former agreements", func(tx *bolt.Tx) error {
		version := dataVersion(tx.Bucket(bucketMeta))
		s.memo.mu.Lock()
		if version != 0 && s.memo.version == version && s.memo.infos != nil {
			for _, info := range s.memo.infos {
				if keep(&info) {
					out = append(out, info)
				}
			}
			s.memo.mu.Unlock()
			return nil
		}
		s.memo.mu.Unlock()
		for _, info := range s.memoInfos(tx) {
			if keep(&info) {
				out = append(out, info)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Sorted by position: the records are large to move around.
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(out[a].ID, out[b].ID) })
	sorted := make([]AgreementInfo, len(out))
	for i, k := range order {
		sorted[i] = out[k]
	}
	return sorted, nil
}
