package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

func runAgreements(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("agreements", "")
	format := formatFlag(fs)
	serverFlag(fs, a)
	at := fs.String("at", "", "the list as of this `DATE|SNAPSHOT` (default: now)")
	list := fs.String("list", string(sheet.Participating), "which `list`: participating or pending")
	var ff filterFlags
	ff.register(fs, filterSet{})
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *list != string(sheet.Participating) && *list != string(sheet.Pending) {
		return fmt.Errorf("%w: --list takes participating or pending, not %q", errUsage, *list)
	}
	filter, err := ff.filter()
	if err != nil {
		return err
	}
	// Checked here, with the store's one parser, so a bad --at is the
	// same usage error locally and through --server.
	_, atSnapshot, err := store.ParseAt(*at)
	if err != nil {
		return fmt.Errorf("%w: --at %v", errUsage, err)
	}
	// A snapshot id names its list: --at 2 of a pending snapshot shows the
	// pending list unless --list says otherwise.
	l := sheet.List(*list)
	if atSnapshot != 0 && !flagSet(fs, "list") {
		l = ""
	}
	src, err := a.openSource()
	if err != nil {
		return err
	}
	defer src.Close()
	snap, aggs, err := src.AgreementsAt(ctx, l, *at)
	if err != nil {
		return err
	}
	aggs = filter.Agreements(aggs)
	switch *format {
	case formatJSON:
		return writeJSON(a.stdout, map[string]any{"snapshot": snap, "agreements": aggs})
	case formatCSV:
		return writeCSV(a.stdout, agreementCSVHeader, agreementRows(aggs, snap.List))
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tAGENCY\tTYPE\tMODEL\tSIGNED\tMOA")
	for _, ag := range aggs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", dash(ag.ID), dash(ag.State), dash(ag.Agency), dash(ag.Type), dash(sheet.ModelLabel(ag.Model)), dash(ag.Signed), dash(ag.MOAURL))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d %s agreements in snapshot %d (published %s, %s)\n", len(aggs), snap.List, snap.ID, dash(snap.Published), dash(snap.FileName))
	return nil
}

var agreementCSVHeader = []string{"list", "id", "state", "state_name", "agency", "agency_raw", "type", "model",
	"model_raw", "signed", "signed_raw", "moa_url", "moa_raw", "since", "extra"}

func agreementRows(aggs []diff.Agreement, list sheet.List) [][]string {
	rows := make([][]string, 0, len(aggs))
	for _, ag := range aggs {
		rows = append(rows, []string{string(list), ag.ID, ag.State, ag.StateName, ag.Agency, ag.AgencyRaw, ag.Type,
			ag.Model, ag.ModelRaw, ag.Signed, ag.SignedRaw, ag.MOAURL, ag.MOARaw, ag.Since, extraString(ag.Extra)})
	}
	return rows
}

func extraString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, "; ")
}

// flagSet reports whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
