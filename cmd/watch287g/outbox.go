package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/store"
)

// runOutbox is `watch287g outbox [--state S] [--format F]` (pending and
// dead deliveries by default) and `watch287g outbox retry ID`.
func runOutbox(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("outbox", "   (or: outbox retry ID)")
	server := noServerFlag(fs)
	state := fs.String("state", "", "`state` to list: pending, sent, dead or all (default: pending and dead)")
	format := formatFlag(fs)
	// "retry" is the first positional argument wherever the flags stand.
	if flags, pos := splitArgs(fs, args); len(pos) > 0 && pos[0] == "retry" {
		return runOutboxRetry(ctx, a, append(flags, pos[1:]...))
	}
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := a.refuseServer(*server, cmdReadLocal); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: outbox takes no arguments (did you mean `outbox retry ID`?)", errUsage)
	}
	switch *state {
	case "", "all", store.DeliveryPending, store.DeliverySent, store.DeliveryDead:
	default:
		return fmt.Errorf("%w: --state must be pending, sent, dead or all, not %q", errUsage, *state)
	}
	st, err := a.openStore(cmdReadLocal)
	if err != nil {
		return err
	}
	defer st.Close()
	all, err := st.Deliveries(ctx, "")
	if err != nil {
		return err
	}
	ds := []store.Delivery{}
	for _, d := range all {
		switch {
		case *state == "all", *state == d.State:
		case *state == "" && d.State != store.DeliverySent:
		default:
			continue
		}
		// A webhook recipient is its URL, and an error can quote it:
		// credentials in either never reach printed output.
		d.Recipient, d.LastError = escape.RedactURL(d.Recipient), escape.RedactURL(d.LastError)
		ds = append(ds, d)
	}
	switch *format {
	case formatJSON:
		return writeJSON(a.stdout, map[string]any{"deliveries": ds})
	case formatCSV:
		rows := make([][]string, 0, len(ds))
		for _, d := range ds {
			rows = append(rows, []string{strconv.FormatUint(d.ID, 10), d.Recipient, changeOrAlert(d), d.State,
				strconv.Itoa(d.Attempts), stamp(d.CreatedAt), stamp(d.NextAttempt), d.LastError, stamp(d.SentAt)})
		}
		return writeCSV(a.stdout, []string{"id", "recipient", "what", "state", "attempts", "created_at", "next_attempt", "last_error", "sent_at"}, rows)
	}
	if len(ds) == 0 {
		fmt.Fprintln(a.stdout, "the outbox holds no such deliveries")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECIPIENT\tWHAT\tSTATE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, d := range ds {
		next := stamp(d.NextAttempt)
		if d.State != store.DeliveryPending {
			next = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, dash(d.Recipient), dash(changeOrAlert(d)), d.State, d.Attempts, next, dash(d.LastError))
	}
	return tw.Flush()
}

func runOutboxRetry(ctx context.Context, a *app, args []string) error {
	a.cmd = "outbox retry"
	fs := a.newFlagSet("outbox retry", "ID")
	server := noServerFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := a.refuseServer(*server, cmdWrite); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: outbox retry needs one delivery ID (see `watch287g outbox`)", errUsage)
	}
	id, err := strconv.ParseUint(fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: delivery ID must be a number, not %q", errUsage, fs.Arg(0))
	}
	st, err := a.openStore(cmdWrite)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Retry(ctx, id, a.now().UTC()); err != nil {
		return fmt.Errorf("retry delivery %d: %w", id, err)
	}
	fmt.Fprintf(a.stdout, "delivery %d is due now; the next fetch or serve drain sends it\n", id)
	return nil
}

func changeOrAlert(d store.Delivery) string {
	if d.Alert != nil {
		return "alert " + string(d.Alert.Kind)
	}
	return "change " + strconv.FormatUint(d.ChangeID, 10)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
