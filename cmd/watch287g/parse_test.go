package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// runParseCmd runs the command line in-process and returns stdout and stderr.
func runParseCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func parseFixture(name string) string {
	return filepath.Join("..", "..", "testdata", name)
}

func TestParseJSON(t *testing.T) {
	out, _, err := runParseCmd(t, "parse", "--format", "json", parseFixture("participating_quirks.xlsx"))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	for _, k := range []string{"file", "list", "sha256", "records", "warnings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("got no %q key, want it", k)
		}
	}
	var typed struct {
		File    string `json:"file"`
		List    string `json:"list"`
		SHA256  string `json:"sha256"`
		Records []struct {
			Row    int    `json:"row"`
			State  string `json:"state"`
			Agency string `json:"agency"`
			Model  string `json:"model"`
			Signed string `json:"signed"`
			MOAURL string `json:"moa_url"`
		} `json:"records"`
		Warnings []struct {
			Row     int    `json:"row"`
			Column  string `json:"column"`
			Message string `json:"message"`
		} `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &typed); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if typed.File != "participating_quirks.xlsx" || typed.List != "participating" || len(typed.SHA256) != 64 {
		t.Errorf("got file %q list %q sha256 %q, want participating_quirks.xlsx, participating, 64 hex digits", typed.File, typed.List, typed.SHA256)
	}
	if len(typed.Records) != 10 || len(typed.Warnings) != 11 {
		t.Fatalf("got %d records and %d warnings, want 10 and 11", len(typed.Records), len(typed.Warnings))
	}
	r := typed.Records[1]
	if r.State != "FL" || r.Model != "task_force" || r.Signed != "2025-04-08" || !strings.HasPrefix(r.MOAURL, "https://www.ice.gov/") {
		t.Errorf("got record %+v, want FL task_force 2025-04-08 with an unwrapped ice.gov link", r)
	}
	if w := typed.Warnings[0]; w.Row != 5 || w.Column != "STATE" || w.Message == "" {
		t.Errorf("got first warning %+v, want row 5 STATE", w)
	}
}

func TestParseText(t *testing.T) {
	out, _, err := runParseCmd(t, "parse", parseFixture("pending.xlsx"))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"Bosque County Sheriff's Office", "pending list, 2 records, 2 warnings", "warning: row 3, STATE:"} {
		if !strings.Contains(out, want) {
			t.Errorf("got output without %q:\n%s", want, out)
		}
	}
}

func TestParseCSV(t *testing.T) {
	out, _, err := runParseCmd(t, "parse", parseFixture("participating_county_addendum.xlsx"), "--format", "csv")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("read csv: %v", err)
	}
	if len(rows) != 4 {
		t.Fatalf("got %d csv rows, want header + 3", len(rows))
	}
	if rows[0][0] != "row" || rows[0][1] != "state" || rows[0][len(rows[0])-1] != "extra:COUNTY" {
		t.Errorf("got header %q, want row, state, … extra:COUNTY", rows[0])
	}
	if rows[1][1] != "GA" {
		t.Errorf("got state %q, want GA", rows[1][1])
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
		is   error
	}{
		"html page":      {args: []string{"parse", parseFixture("html_block_page.xlsx")}, want: "not an xlsx workbook"},
		"no header":      {args: []string{"parse", parseFixture("no_header.xlsx")}, want: "no recognisable header"},
		"missing file":   {args: []string{"parse", parseFixture("nope.xlsx")}, want: "no such file"},
		"no file":        {args: []string{"parse"}, is: errUsage},
		"two files":      {args: []string{"parse", "a", "b"}, is: errUsage},
		"unknown format": {args: []string{"parse", "--format", "xml", parseFixture("pending.xlsx")}, is: errUsage},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := runParseCmd(t, tc.args...)
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
		})
	}
}
