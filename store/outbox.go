package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The outbox holds one Delivery per change (or alert) per recipient,
// written in the same transaction as the change, so nothing is announced
// twice or lost across a crash. outbox_due indexes the pending ones by
// next attempt, so Due never scans what was long since sent.

func dueKey(d *Delivery) []byte { return timeKey(d.NextAttempt, d.ID) }

// enqueue adds a pending delivery due at at.
func (w *writer) enqueue(d Delivery, at time.Time) (Delivery, error) {
	id, err := w.outbox.NextSequence()
	if err != nil {
		return d, fmt.Errorf("delivery id: %w", err)
	}
	d.ID, d.State = id, DeliveryPending
	d.CreatedAt, d.NextAttempt = at.UTC(), at.UTC()
	if err := putJSON(w.outbox, be64(id), &d); err != nil {
		return d, err
	}
	return d, w.due.Put(dueKey(&d), nil)
}

// EnqueueAlert queues an operator alert for recipient, due at at.
func (s *Store) EnqueueAlert(ctx context.Context, recipient string, a Alert, at time.Time) (Delivery, error) {
	var d Delivery
	err := s.update("enqueue alert "+string(a.Kind), func(tx *bolt.Tx) error {
		var err error
		d, err = newWriter(tx).enqueue(Delivery{Recipient: recipient, Alert: &a}, at)
		return err
	})
	return d, err
}

// Due returns pending deliveries whose next attempt is at or before now,
// oldest attempt first; limit 0 returns all.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	out := []Delivery{}
	end := timeKey(now, ^uint64(0))
	err := s.view("due", func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && string(k) <= string(end) && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
			var d Delivery
			ok, err := getJSON(ob, k[8:], &d)
			if err != nil {
				s.skipBad(bucketOutbox, k[8:], err)
				continue
			}
			if ok && d.State == DeliveryPending {
				out = append(out, d)
			}
		}
		return nil
	})
	return out, err
}

// Deliveries returns the deliveries in state ("" for all), oldest first.
func (s *Store) Deliveries(ctx context.Context, state string) ([]Delivery, error) {
	out := []Delivery{}
	err := s.view("deliveries", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var d Delivery
			if err := decodeJSON(v, &d); err != nil {
				s.skipBad(bucketOutbox, k, err)
				return nil
			}
			if state == "" || d.State == state {
				out = append(out, d)
			}
			return nil
		})
	})
	return out, err
}

// Delivery returns one delivery; ErrNotFound when there is none.
func (s *Store) Delivery(ctx context.Context, id uint64) (Delivery, error) {
	var d Delivery
	err := s.view(fmt.Sprintf("delivery %d", id), func(tx *bolt.Tx) error {
		var err error
		d, err = loadDelivery(tx, id)
		return err
	})
	return d, err
}

func loadDelivery(tx *bolt.Tx, id uint64) (Delivery, error) {
	var d Delivery
	ok, err := getJSON(tx.Bucket(bucketOutbox), be64(id), &d)
	if err == nil && !ok {
		err = fmt.Errorf("delivery %d: %w", id, ErrNotFound)
	}
	return d, err
}

// changeDelivery loads delivery id, lets fn change it, and writes it back
// with its due-index entry moved to match.
func changeDelivery(tx *bolt.Tx, id uint64, fn func(d *Delivery) error) error {
	d, err := loadDelivery(tx, id)
	if err != nil {
		return err
	}
	due := tx.Bucket(bucketDue)
	if err := due.Delete(dueKey(&d)); err != nil {
		return err
	}
	if err := fn(&d); err != nil {
		return err
	}
	if d.State == DeliveryPending {
		if err := due.Put(dueKey(&d), nil); err != nil {
			return err
		}
	}
	return putJSON(tx.Bucket(bucketOutbox), be64(id), &d)
}

// MarkSent records that the deliveries went out at at, in one transaction
// (a digest email carries many).
func (s *Store) MarkSent(ctx context.Context, ids []uint64, at time.Time) error {
	return s.update(fmt.Sprintf("mark sent %v", ids), func(tx *bolt.Tx) error {
		for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
			err := changeDelivery(tx, id, func(d *Delivery) error {
				d.State, d.SentAt, d.LastError = DeliverySent, at.UTC(), ""
				d.Attempts++
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// MarkFailed records a failed attempt: retried at next, or given up on
// (state dead) when dead is true.
func (s *Store) MarkFailed(ctx context.Context, id uint64, errText string, next time.Time, dead bool) error {
	return s.update(fmt.Sprintf("mark failed %d", id), func(tx *bolt.Tx) error {
		return changeDelivery(tx, id, func(d *Delivery) error {
			d.Attempts++
			d.LastError = errText
			if dead {
				d.State = DeliveryDead
			} else {
				d.State, d.NextAttempt = DeliveryPending, next.UTC()
			}
			return nil
		})
	})
}

// Retry makes a dead or pending delivery due at now. A sent delivery is
// never sent again: that would double an announcement.
func (s *Store) Retry(ctx context.Context, id uint64, now time.Time) error {
	return s.update(fmt.Sprintf("retry %d", id), func(tx *bolt.Tx) error {
		return changeDelivery(tx, id, func(d *Delivery) error {
			if d.State == DeliverySent {
				return fmt.Errorf("delivery %d was sent at %s", id, d.SentAt.Format(time.RFC3339))
			}
			d.State, d.NextAttempt = DeliveryPending, now.UTC()
			return nil
		})
	})
}

// RecipientKind is what kind of address a recipient id names.
type RecipientKind string

// Recipient kinds: a recipient id is "kind:address" ("email:metro@example.org",
// "webhook:https://…", "operator-email:ops@example.org"), or the bare
// operator id.
const (
	RecipientEmail   RecipientKind = "email"
	RecipientWebhook RecipientKind = "webhook"
	// RecipientOperatorEmail and RecipientOperatorWebhook are the
	// operator's channels, one delivery each (see Cycle.Operators).
	RecipientOperatorEmail   RecipientKind = "operator-email"
	RecipientOperatorWebhook RecipientKind = "operator-webhook"
	// RecipientOperator is the operator as a whole, the one id older
	// stores gave operator alerts; notify splits such a delivery into one
	// per channel.
	RecipientOperator RecipientKind = "operator"
)

// RecipientID returns the outbox id of address as a recipient of kind.
func RecipientID(kind RecipientKind, address string) string {
	if kind == RecipientOperator {
		return string(RecipientOperator)
	}
	return string(kind) + ":" + address
}

// ParseRecipient splits a recipient id into its kind and address; ok is
// false for an id of no known kind.
func ParseRecipient(id string) (kind RecipientKind, address string, ok bool) {
	if id == string(RecipientOperator) {
		return RecipientOperator, "", true
	}
	k, addr, found := strings.Cut(id, ":")
	switch RecipientKind(k) {
	case RecipientEmail, RecipientWebhook, RecipientOperatorEmail, RecipientOperatorWebhook:
		if found && addr != "" {
			return RecipientKind(k), addr, true
		}
	}
	return "", "", false
}
