package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/store"
)

func runSnapshots(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("snapshots", "")
	format := formatFlag(fs)
	serverFlag(fs, a)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	src, err := a.openSource()
	if err != nil {
		return err
	}
	defer src.Close()
	snaps, err := src.Snapshots(ctx)
	if err != nil {
		return err
	}
	if snaps == nil {
		snaps = []store.Snapshot{}
	}
	switch *format {
	case formatJSON:
		return writeJSON(a.stdout, map[string]any{"snapshots": snaps})
	case formatCSV:
		rows := make([][]string, 0, len(snaps))
		for _, s := range snaps {
			rows = append(rows, []string{strconv.FormatUint(s.ID, 10), string(s.List), s.Status, s.Published,
				s.FirstSeen.UTC().Format("2006-01-02T15:04:05Z"), s.LastSeen.UTC().Format("2006-01-02T15:04:05Z"),
				strconv.Itoa(s.Records), strconv.Itoa(s.Agreements), strconv.Itoa(s.Added), strconv.Itoa(s.Removed),
				strconv.Itoa(s.Changed), strconv.Itoa(len(s.Warnings)), s.SHA256, strconv.FormatInt(s.Size, 10), s.FileName, s.SourceURL, s.Reason})
		}
		return writeCSV(a.stdout, []string{"id", "list", "status", "published", "first_seen", "last_seen", "records",
			"agreements", "added", "removed", "changed", "warnings", "sha256", "size", "file_name", "source_url", "reason"}, rows)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLIST\tSTATUS\tPUBLISHED\tROWS\tAGREEMENTS\tADDED\tREMOVED\tCHANGED\tSHA256\tFILE")
	for _, s := range snaps {
		status := s.Status
		if s.Baseline {
			status += " (baseline)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%.12s\t%s\n", s.ID, s.List, status, dash(s.Published),
			s.Records, s.Agreements, s.Added, s.Removed, s.Changed, s.SHA256, escape.Terminal(s.FileName))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d snapshots\n", len(snaps))
	return nil
}

// dash is a value for a text column: "-" when empty, else s made safe for
// a terminal (escape.Terminal), since most values come from ICE's files.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return escape.Terminal(s)
}
