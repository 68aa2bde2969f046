package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// historyEntry is one agreement and its timeline, as `history --format json` prints it.
type historyEntry struct {
	Agreement store.AgreementInfo `json:"agreement"`
	Changes   []diff.Change       `json:"changes"`
}

func runHistory(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("history", "QUERY")
	format := formatFlag(fs)
	serverFlag(fs, a)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if query == "" {
		return fmt.Errorf("%w: history needs a QUERY (part of an agency name, or an agreement id)", errUsage)
	}
	src, err := a.openSource()
	if err != nil {
		return err
	}
	defer src.Close()
	infos, err := src.FindAgreements(ctx, query)
	if err != nil {
		return err
	}
	entries := make([]historyEntry, 0, len(infos))
	for _, info := range infos {
		_, changes, err := src.Agreement(ctx, info.ID)
		if err != nil {
			return err // the store (or server) names the agreement
		}
		if changes == nil {
			changes = []diff.Change{}
		}
		entries = append(entries, historyEntry{Agreement: info, Changes: changes})
	}
	switch *format {
	case formatJSON:
		return writeJSON(a.stdout, map[string]any{"query": query, "agreements": entries})
	case formatCSV:
		var rows [][]string
		for _, e := range entries {
			for _, c := range e.Changes {
				rows = append(rows, changeCSVRow(c))
			}
		}
		return writeCSV(a.stdout, changeCSVHeader, rows)
	}
	if len(entries) == 0 {
		fmt.Fprintf(a.stdout, "no agreement matches %q\n", query) // %q escapes control characters
		return nil
	}
	for i, e := range entries {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		writeHistory(a, e)
	}
	return nil
}

// writeHistory answers "when did X sign, what changed, when did it end" on one screen.
func writeHistory(a *app, e historyEntry) {
	ag := e.Agreement
	// A removal is provisional (DESIGN.md: "missing from the list of
	// <date>"), so an agreement no longer listed is missing, not ended.
	// The store's lifecycle (issue 11): missing until the absence is
	// confirmed, then ended, dated by the first list without it.
	status := "listed"
	switch {
	case ag.Active:
	case ag.Status == diff.StatusMerged:
		status = "merged: a duplicate row of agreement " + dash(ag.MergedInto) + ", which stays listed; ICE removed this row from its list of " + dash(ag.AbsentSince)
	case ag.Status == diff.StatusMissing:
		status = "missing since ICE's list of " + dash(ag.AbsentSince) + " (last listed " + dash(ag.LastPublished) + ")"
	case ag.Status == diff.StatusEnded && ag.AbsentSince != "" && ag.List == sheet.Pending:
		status = "left the pending list: absent since ICE's list of " + dash(ag.AbsentSince) + " (last listed " + dash(ag.LastPublished) + ")"
	case ag.Status == diff.StatusEnded && ag.AbsentSince != "":
		status = "ended: absent from ICE's lists since " + dash(ag.AbsentSince) + " (last listed " + dash(ag.LastPublished) + ")"
	default:
		status = "missing from ICE's latest list (last listed " + dash(ag.LastPublished) + ")"
	}
	fmt.Fprintf(a.stdout, "%s — %s, %s (%s list, agreement %s)\n", dash(ag.Agency), dash(ag.State), dash(sheet.ModelLabel(ag.Model)), ag.List, dash(ag.ID))
	fmt.Fprintf(a.stdout, "  status: %s\n", status)
	if ag.Signed != "" {
		fmt.Fprintf(a.stdout, "  signed: %s\n", dash(ag.Signed))
	}
	if ag.MOAURL != "" {
		fmt.Fprintf(a.stdout, "  MOA:    %s\n", dash(ag.MOAURL))
	}
	fmt.Fprintf(a.stdout, "  first on ICE's list: %s (snapshot %d)\n", dash(ag.FirstPublished), ag.FirstSnapshot)
	fmt.Fprintf(a.stdout, "  last on ICE's list:  %s (snapshot %d)\n", dash(ag.LastPublished), ag.LastSnapshot)
	for _, c := range e.Changes {
		fmt.Fprintf(a.stdout, "  %s\n", changeLine(c))
	}
}
