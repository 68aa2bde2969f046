package notify

import (
	"github.com/watch287g/watch287g/store"
)

// recipientFor is the outbox recipient of an email subscriber. One without
// a kinds filter receives added, changed, ended and restored agreements
// (and the document kinds, and pending agencies that moved to
// participating), but not a raw "removed": missing from one list, often an
// omission ICE corrects days later, and a false "ended" email is the worst
// thing watch287g can send (issue 11). Those go only to subscribers who
// ask for them (kinds: [removed]), the early warning for desks that want
// one. Webhooks receive every kind their filter lets through.
func recipientFor(s Subscriber) store.Recipient {
	return store.Recipient{ID: s.ID(), Filter: s.Filter, NoMissing: len(s.Filter.Kinds) == 0}
}
