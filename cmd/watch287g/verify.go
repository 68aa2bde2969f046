package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/watch287g/watch287g/internal/escape"
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
	st, err := a.openLocal(*server, cmdReadLocal)
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
		fmt.Fprintf(a.stdout, "BAD RECORD %s %s: %s\n", r.Bucket, escape.Terminal(r.Key), escape.Terminal(r.Error))
	}
	if !rep.OK() {
		var what []string
		if n := len(rep.Files); n > 0 {
			what = append(what, plural(n, "archived file does", "archived files do")+" not match their sha256")
		}
		if n := len(rep.Records); n > 0 {
			what = append(what, plural(n, "record does", "records do")+" not read")
		}
		return fmt.Errorf("%s (listed above)", strings.Join(what, ", "))
	}
	fmt.Fprintf(a.stdout, "ok: every archived file matches its sha256 and every record reads (%d snapshots)\n", len(snaps))
	return nil
}

// plural is "1 record does" or "2 records do".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
