package main

import (
	"context"
	"fmt"
)

func runVerify(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("verify", "")
	server := noServerFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := a.refuseServer(*server, cmdReadLocal); err != nil {
		return err
	}
	st, err := a.openStore(cmdReadLocal)
	if err != nil {
		return err
	}
	defer st.Close()
	snaps, err := st.Snapshots(ctx)
	if err != nil {
		return err
	}
	bad, err := st.Verify(ctx)
	if err != nil {
		return err
	}
	for _, m := range bad {
		fmt.Fprintf(a.stdout, "MISMATCH %s: bytes now hash to %s\n", m.SHA256, m.Got)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d archived files do not match their sha256", len(bad))
	}
	fmt.Fprintf(a.stdout, "ok: every archived file matches its sha256 (%d snapshots)\n", len(snaps))
	return nil
}
