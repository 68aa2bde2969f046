package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// FormerAgreements returns the agreements of list no longer listed
// (missing or ended, not merged) whose absence began on or after since (a
// YYYY-MM-DD date; "" for every one), and those with no absence date
// (records written before the lifecycle), ordered by id. It reads the
// index kept as lists are committed (aggregate.go), so the overview's
// endings cost the endings it shows, not a decode of every agreement ever
// listed.
func (s *Store) FormerAgreements(ctx context.Context, list sheet.List, since string) ([]AgreementInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: former agreements: %w", err)
	}
	var out []AgreementInfo
	err := s.view("former agreements", func(tx *bolt.Tx) error {
		var err error
		out, err = s.readFormer(ctx, tx, list, since)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
