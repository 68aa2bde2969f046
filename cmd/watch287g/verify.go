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
	rep, err := st.Verify(ctx)
	if err != nil {
		return err
	}
	for _, m := range rep.Files {
		fmt.Fprintf(a.stdout, "MISMATCH %s: bytes now hash to %s\n", m.SHA256, m.Got)
	}
	for _, r := range rep.Records {
		fmt.Fprintf(a.stdout, "BAD RECORD %s %s: %s\n", r.Bucket, r.Key, r.Error)
	}
	if !rep.OK() {
		return fmt.Errorf("%d archived files do not match their sha256, %d records do not read", len(rep.Files), len(rep.Records))
	}
	fmt.Fprintf(a.stdout, "ok: every archived file matches its sha256 and every record reads (%d snapshots)\n", len(snaps))
	return nil
}
