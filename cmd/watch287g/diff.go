package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// errListMismatch means diff was given one file of each list.
var errListMismatch = errors.New("the two files hold different lists")

// diffSide is one side of `watch287g diff` as the JSON output names it.
type diffSide struct {
	File       string     `json:"file,omitempty"`
	Snapshot   uint64     `json:"snapshot,omitempty"`
	List       sheet.List `json:"list"`
	Records    int        `json:"records"`
	Agreements int        `json:"agreements"`

	label  string
	parsed *sheet.File
}

// diffOutput is the JSON document of `watch287g diff --format json`.
type diffOutput struct {
	Old      diffSide        `json:"old"`
	New      diffSide        `json:"new"`
	Added    []diff.Change   `json:"added"`
	Removed  []diff.Change   `json:"removed"`
	Changed  []diff.Change   `json:"changed"`
	Warnings []sheet.Warning `json:"warnings"`
}

// runDiff compares two files, or two snapshot ids from the store. Files
// need no database: the old file's agreements get ids "old-N" and the new
// ones "new-N", so the output can be read without one.
func runDiff(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("diff", "OLD NEW   (two xlsx files of one list, or two snapshot ids)")
	format := formatFlag(fs)
	serverFlag(fs, a) // for snapshot ids; files need no database
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("%w: diff needs two arguments, OLD and NEW (files or snapshot ids)", errUsage)
	}
	oldSide, newSide, err := a.loadDiffSides(ctx, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return err
	}
	if oldSide.List != newSide.List {
		return fmt.Errorf("%w: %s is %s, %s is %s", errListMismatch, oldSide.label, oldSide.List, newSide.label, newSide.List)
	}
	oldAggs, _ := diff.Fold(oldSide.parsed.Records)
	for i := range oldAggs {
		oldAggs[i].ID = "old-" + strconv.Itoa(i+1)
	}
	res, err := diff.CompareContext(ctx, newSide.List, oldAggs, newSide.parsed.Records, diff.Options{})
	if err != nil {
		return err
	}
	oldSide.Agreements = len(oldAggs)
	newSide.Agreements = len(res.Agreements)

	switch *format {
	case formatJSON:
		out := diffOutput{Old: *oldSide, New: *newSide, Added: nonNil(res.Added), Removed: nonNil(res.Removed),
			Changed: nonNil(res.Changed), Warnings: append(append([]sheet.Warning{}, newSide.parsed.Warnings...), res.Warnings...)}
		return writeJSON(a.stdout, out)
	case formatCSV:
		return writeCSV(a.stdout, diff.ChangeCSVHeader(), diff.CSVRows(res))
	}
	// The text names agencies and files from outside: each line goes to
	// the terminal through escape.Terminal.
	var buf bytes.Buffer
	if err := diff.WriteText(&buf, res, diff.TextOptions{Old: oldSide.label, New: newSide.label}); err != nil {
		return err
	}
	return writeTerminal(a.stdout, buf.String())
}

func nonNil(cs []diff.Change) []diff.Change {
	if cs == nil {
		return []diff.Change{}
	}
	return cs
}

// loadDiffSides reads both sides: files when both name existing files,
// else snapshot ids from the store.
func (a *app) loadDiffSides(ctx context.Context, oldArg, newArg string) (*diffSide, *diffSide, error) {
	_, errOld := os.Stat(oldArg)
	_, errNew := os.Stat(newArg)
	if errOld == nil || errNew == nil {
		o, err := loadDiffFile(oldArg)
		if err != nil {
			return nil, nil, err
		}
		n, err := loadDiffFile(newArg)
		if err != nil {
			return nil, nil, err
		}
		return o, n, nil
	}
	oldID, err1 := strconv.ParseUint(oldArg, 10, 64)
	newID, err2 := strconv.ParseUint(newArg, 10, 64)
	if err1 != nil || err2 != nil {
		return nil, nil, fmt.Errorf("%w: %s and %s are neither files nor snapshot ids", errUsage, oldArg, newArg)
	}
	return a.loadDiffSnapshots(ctx, oldID, newID)
}

// loadDiffFile reads and parses one spreadsheet file.
func loadDiffFile(path string) (*diffSide, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return parseDiffSide(filepath.Base(path), b, path, 0)
}

// parseDiffSide parses the bytes of one side.
func parseDiffSide(label string, b []byte, file string, snapshot uint64) (*diffSide, error) {
	f, err := sheet.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", label, err)
	}
	return &diffSide{File: file, Snapshot: snapshot, List: f.List, Records: len(f.Records), label: label, parsed: f}, nil
}
