package notify

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// memOutbox is a hand-written in-memory Outbox for tests that need
// precise control of the deliveries; the crash test uses the real store.
type memOutbox struct {
	mu         sync.Mutex
	deliveries []store.Delivery
	changes    map[uint64]diff.Change
	meta       map[string]string
	nextID     uint64
}

var _ Outbox = (*memOutbox)(nil)

func newMemOutbox() *memOutbox {
	return &memOutbox{changes: map[uint64]diff.Change{}, meta: map[string]string{}}
}

// add records a change and one pending delivery of it per recipient whose
// filter matches, as the store's Commit does.
func (m *memOutbox) add(ch diff.Change, at time.Time, recipients []store.Recipient) diff.Change {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	ch.ID = m.nextID
	ch.DetectedAt = at
	m.changes[ch.ID] = ch
	for _, r := range recipients {
		if r.Filter.Match(&ch) {
			m.nextID++
			m.deliveries = append(m.deliveries, store.Delivery{ID: m.nextID, Recipient: r.ID, ChangeID: ch.ID,
				CreatedAt: at, State: store.DeliveryPending, NextAttempt: at})
		}
	}
	return ch
}

func (m *memOutbox) Due(_ context.Context, now time.Time, limit int) ([]store.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Delivery
	for _, d := range m.deliveries {
		if d.State == store.DeliveryPending && !d.NextAttempt.After(now) {
			out = append(out, d)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memOutbox) find(id uint64) *store.Delivery {
	for i := range m.deliveries {
		if m.deliveries[i].ID == id {
			return &m.deliveries[i]
		}
	}
	return nil
}

func (m *memOutbox) MarkSent(_ context.Context, ids []uint64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		d := m.find(id)
		if d == nil {
			return store.ErrNotFound
		}
		d.State, d.SentAt = store.DeliverySent, at
		d.Attempts++
	}
	return nil
}

func (m *memOutbox) MarkFailed(_ context.Context, id uint64, errText string, next time.Time, dead bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.find(id)
	if d == nil {
		return store.ErrNotFound
	}
	d.Attempts++
	d.LastError, d.NextAttempt = errText, next
	if dead {
		d.State = store.DeliveryDead
	}
	return nil
}

func (m *memOutbox) EnqueueAlert(_ context.Context, recipient string, a store.Alert, at time.Time) (store.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	d := store.Delivery{ID: m.nextID, Recipient: recipient, Alert: &a, CreatedAt: at, State: store.DeliveryPending, NextAttempt: at}
	m.deliveries = append(m.deliveries, d)
	return d, nil
}

func (m *memOutbox) Change(_ context.Context, id uint64) (diff.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch, ok := m.changes[id]
	if !ok {
		return diff.Change{}, store.ErrNotFound
	}
	return ch, nil
}

func (m *memOutbox) Meta(_ context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.meta[key], nil
}

func (m *memOutbox) SetMeta(_ context.Context, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.meta[key] = value
	return nil
}

// byState returns the deliveries in a state.
func (m *memOutbox) byState(state string) []store.Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Delivery
	for _, d := range m.deliveries {
		if d.State == state {
			out = append(out, d)
		}
	}
	return out
}

// alerts returns the operator alerts enqueued, of any state.
func (m *memOutbox) alerts(kind string) []store.Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Delivery
	for _, d := range m.deliveries {
		if d.Alert != nil && (kind == "" || string(d.Alert.Kind) == kind) {
			out = append(out, d)
		}
	}
	return out
}

// rec builds a participating record.
func rec(state, agency, model, signed string) *sheet.Record {
	return &sheet.Record{State: state, StateName: state, Agency: agency, AgencyRaw: agency, Type: "County",
		Model: model, ModelRaw: model, Signed: signed, MOAURL: "https://www.ice.gov/moa/" + state + ".pdf"}
}

func added(state, agency string) diff.Change {
	return diff.Change{Kind: diff.Added, List: sheet.Participating, AgreementID: "ag-" + state + "-" + agency[:min(3, len(agency))],
		After: rec(state, agency, sheet.TaskForce, "2026-02-10"), AfterPublished: "2026-02-13", BeforePublished: "2026-02-12"}
}

func TestMemOutboxDueOrder(t *testing.T) {
	m := newMemOutbox()
	at := time.Date(2026, 2, 13, 12, 0, 0, 0, time.UTC)
	m.add(added("TX", "Harris"), at, []store.Recipient{{ID: "a"}, {ID: "b"}})
	due, _ := m.Due(context.Background(), at, 0)
	ids := make([]uint64, len(due))
	for i, d := range due {
		ids[i] = d.ID
	}
	if !slices.IsSorted(ids) || len(ids) != 2 {
		t.Fatalf("got due ids %v, want 2 ascending", ids)
	}
}
