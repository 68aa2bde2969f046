package main

import (
	"context"
	"fmt"
	"strconv"
)

func runAccept(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("accept", "ID")
	server := noServerFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := a.refuseServer(*server, cmdWrite); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: accept needs one snapshot ID (see `watch287g snapshots`)", errUsage)
	}
	id, err := strconv.ParseUint(fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: snapshot ID must be a number, not %q", errUsage, fs.Arg(0))
	}
	w, err := a.openWriter(cmdWrite)
	if err != nil {
		return err
	}
	defer w.st.Close()
	st, n := w.st, w.n
	out, err := st.Accept(ctx, id, n.Recipients(), a.now().UTC())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "accepted snapshot %d (%s, %s)\n", id, out.Snapshot.List, dash(out.Snapshot.FileName))
	if out.Result != nil {
		fmt.Fprintf(a.stdout, "changes: %d added, %d removed, %d changed\n", len(out.Result.Added), len(out.Result.Removed), len(out.Result.Changed))
	} else {
		fmt.Fprintln(a.stdout, "no changes recorded (a later snapshot of this list was already accepted)")
	}
	return n.Deliver(ctx, a.now())
}
