package main

import (
	"context"
	"fmt"
	"os"

	"github.com/watch287g/watch287g/config"
)

// runConfig is `watch287g config check`: load and validate the
// configuration (file, ${VAR} expansion, WATCH287G_* overrides) and print
// the effective settings with secrets masked.
func runConfig(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("config", "check   (the configuration comes from the global --config FILE)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "check" {
		return fmt.Errorf("%w: the config command takes one subcommand: check", errUsage)
	}
	cfg, err := config.Load(a.configPath, os.Getenv)
	if err != nil {
		return err
	}
	// The report (warnings, masked settings) is written by config.
	out, err := cfg.CheckReport()
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(out)
	return err
}
